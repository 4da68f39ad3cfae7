import { broadcastLike, div, input, max, mean, mul, size, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import { mulOptional } from './class-weights.js';
import { type InputSpec, type Loss, type LossConfig, makeLoss } from './loss.js';
import { type OptionRule, ensure } from './options.js';

/**
 * How a loss's per-element values become its result: 'mean' (default; with weights the weighted
 * mean sum(w x) / sum(w)), 'sum' and 'sum_over_batch_size' (Keras's default: sum(w x) divided by
 * the number of elements, whatever the weights) give a scalar; 'none' returns the unreduced
 * tensor (per element for pointwise losses, per pixel [batch, spatial] for class-summed losses
 * such as cross-entropy, per class or per image and class for overlap losses).
 *
 * @example
 * ```ts
 * import { type Reduction, l1 } from '@losskit/core';
 * const reduction: Reduction = 'none';
 * const perElement = l1({ reduction });
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none' | 'sum_over_batch_size';
export const REDUCTION_RULE: OptionRule = { kind: 'enum', values: ['mean', 'sum', 'none', 'sum_over_batch_size'] };

/** Guards a weighted-mean denominator: an all-zero weight (every pixel ignored) gives 0, not 0/0. */
const TINY = 1e-12;

/**
 * Reduces per-element values `values` with optional non-negative weights (a validity mask times
 * class weights) spanning a subset of its roles. The weighted mean is sum(w x) / sum(w), and is 0
 * when every weight is 0 (all pixels ignored) -- a documented finite result, not NaN.
 *
 * @example
 * ```ts
 * import { input, reduceWeighted } from '@losskit/core';
 * const weighted = reduceWeighted(input('err'), input('mask', ['batch', 'spatial']), 'mean'); // sum(w x) / sum(w)
 * ```
 */
export function reduceWeighted(values: Node, weights: Node | null, reduction: Reduction): Node {
  const weighted = weights ? mul(values, weights) : values;
  if (reduction === 'none') return weighted;
  if (reduction === 'sum') return sum(weighted);
  // Keras: the weights scale the elements, the count is of elements (a weight of 0 still counts)
  if (reduction === 'sum_over_batch_size') return weighted.roles.length > 0 ? div(sum(weighted), size(weighted.roles)) : weighted;
  if (!weights) return mean(values);
  return div(sum(weighted), max(sum(broadcastLike(weights, values)), TINY));
}

/**
 * The options every catalogue loss takes besides its own.
 *
 * @example
 * ```ts
 * import { type CommonOptions, l2 } from '@losskit/core';
 * const options: CommonOptions = { reduction: 'sum_over_batch_size', sampleWeights: true, name: 'mse' };
 * const loss = l2(options); // inputs pred, target and sampleWeight [batch]
 * ```
 */
export interface CommonOptions {
  readonly reduction?: Reduction;
  /**
   * true: an input 'sampleWeight' [batch] of non-negative per-sample weights (Keras's
   * sample_weight) multiplies every value of its sample before the reduction.
   */
  readonly sampleWeights?: boolean;
  /** The loss's name (default: its catalogue name), as Keras's `name`. */
  readonly name?: string;
}

/** Schema rows of CommonOptions. */
export const COMMON_OPTION_RULES = {
  reduction: REDUCTION_RULE,
  sampleWeights: { kind: 'boolean' },
  name: { kind: 'string' },
} as const satisfies Record<keyof CommonOptions, OptionRule>;

/** The declaration of the per-sample weight input. */
export const SAMPLE_WEIGHT_SPEC: InputSpec = { roles: ['batch'], domain: 'weight' };

/**
 * A catalogue loss from its per-element values and weights: reduced as `o.reduction` says (default
 * 'mean'), times the per-sample weights when `o.sampleWeights`, named `o.name ?? className`, and
 * carrying its config (className and options) for `losses.toConfig`.
 *
 * @example
 * ```ts
 * import { abs, input, reducedLoss, sub } from '@losskit/core';
 * const pred = input('pred');
 * const target = input('target');
 * const mae = reducedLoss('mae', { reduction: 'sum' }, abs(sub(pred, target)), null, {
 *   pred: { roles: pred.roles, domain: 'real' },
 *   target: { roles: target.roles, domain: 'real' },
 * });
 * ```
 */
export function reducedLoss(
  className: string,
  o: CommonOptions & object,
  values: Node,
  weights: Node | null,
  inputs: Readonly<Record<string, InputSpec>>,
): Loss {
  const sampleWeight = o.sampleWeights ? input('sampleWeight', ['batch']) : null;
  ensure(
    !sampleWeight || values.roles.includes('batch') || (weights?.roles.includes('batch') ?? false),
    `${className}: sampleWeights needs a value per sample, but this loss pools the batch (use perImage: true for overlap losses)`,
  );
  const expr = reduceWeighted(values, mulOptional(weights, sampleWeight), o.reduction ?? 'mean');
  const config: LossConfig = { className, config: jsonCopy(o) };
  return makeLoss(o.name ?? className, expr, sampleWeight ? { ...inputs, sampleWeight: SAMPLE_WEIGHT_SPEC } : inputs, config);
}

/** Options as plain JSON data (drops undefined keys). */
export const jsonCopy = (o: object): Record<string, unknown> => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
