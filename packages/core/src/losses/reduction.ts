import { broadcastLike, div, max, mean, mul, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { OptionRule } from './options.js';

/**
 * How a loss's per-element values become its result: 'mean' (default) and 'sum' give a scalar;
 * 'none' returns the unreduced tensor (per element for pointwise losses, per pixel [batch,
 * spatial] for class-summed losses such as cross-entropy, per class or per image and class for
 * overlap losses).
 *
 * @example
 * ```ts
 * import { type Reduction, l1 } from '@losskit/core';
 * const reduction: Reduction = 'none';
 * const perElement = l1({ reduction });
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none';
export const REDUCTION_RULE: OptionRule = { kind: 'enum', values: ['mean', 'sum', 'none'] };

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
  if (!weights) return mean(values);
  return div(sum(weighted), max(sum(broadcastLike(weights, values)), TINY));
}
