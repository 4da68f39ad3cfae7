import type { Node } from '../ir/node.js';
import { describe, leaves } from '../ir/node.js';
import { lookupName, nameRecord, ownRecord } from '../names.js';
import { formatRoles, type Roles, sameRoles } from '../ir/roles.js';

/**
 * What values an input may hold. Tests, benchmarks and `validateInputs` generate or check data
 * from it: 'logits' any finite real; 'probability' in [0, 1]; 'onehot' 0/1 with exactly one 1
 * along the class axis; 'binary' 0/1; 'labels' integer class indices in [0, numClasses) (or the
 * ignore index); 'mask' 0/1; 'real' any finite real; 'positive' finite and > 0; 'weight' finite
 * and >= 0 (per-sample weights).
 *
 * @example
 * ```ts
 * import { type InputDomain } from '@losskit/core';
 * const domain: InputDomain = 'onehot';
 * ```
 */
export type InputDomain = 'logits' | 'probability' | 'onehot' | 'binary' | 'labels' | 'mask' | 'real' | 'positive' | 'weight';

/**
 * What one input of a loss is: its roles and the values it may hold.
 *
 * @example
 * ```ts
 * import { type InputSpec } from '@losskit/core';
 * const labels: InputSpec = { roles: ['batch', 'spatial'], domain: 'labels', numClasses: 3, ignoreIndex: 255 };
 * ```
 */
export interface InputSpec {
  readonly roles: Roles;
  readonly domain: InputDomain;
  /** The class-axis size (or label range) this input must have, where the loss fixes it. */
  readonly numClasses?: number;
  /** A label value that marks a pixel as ignored ('labels' inputs only). */
  readonly ignoreIndex?: number;
}

/**
 * How a loss was built: a registry name and its options, plain JSON data (Keras's get_config).
 *
 * @example
 * ```ts
 * import { type LossConfig, losses } from '@losskit/core';
 * const config: LossConfig = { className: 'dice', config: { smooth: 1 } };
 * const loss = losses.fromConfig(config);
 * ```
 */
export interface LossConfig {
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * A loss: one expression plus enough metadata to feed it valid data generically.
 *
 * @example
 * ```ts
 * import { catalogue, type Loss } from '@losskit/core';
 * const loss: Loss = catalogue.dice();
 * loss.inputs.pred?.domain; // 'logits'
 * ```
 */
export interface Loss {
  readonly name: string;
  /** The loss; a scalar unless built with reduction 'none'. */
  readonly expr: Node;
  /** Every input leaf of `expr`: the prediction is 'pred', a dense target 'target', sparse labels 'labels'. */
  readonly inputs: Readonly<Record<string, InputSpec>>;
  /** Every param leaf of `expr` with its default. */
  readonly params: Readonly<Record<string, number>>;
  /** How to build it again (`losses.fromConfig`); absent for losses assembled by hand. */
  readonly config?: LossConfig;
}

/**
 * Assembles a Loss, checking that `inputs` lists exactly the input leaves of `expr` with their
 * roles, and reading every param's default from the graph.
 *
 * @example
 * ```ts
 * import { abs, input, makeLoss, mean, sub } from '@losskit/core';
 * const mae = makeLoss('mae', mean(abs(sub(input('pred'), input('target')))), {
 *   pred: { roles: ['batch', 'class', 'spatial'], domain: 'real' },
 *   target: { roles: ['batch', 'class', 'spatial'], domain: 'real' },
 * });
 * ```
 */
export function makeLoss(name: string, expr: Node, inputs: Readonly<Record<string, InputSpec>>, config?: LossConfig): Loss {
  const found = leaves([expr], 'input');
  for (const [inputName, leaf] of found) {
    const spec = lookupName(inputs, inputName);
    if (!spec) throw new Error(`loss '${name}': input '${inputName}' is used but not described`);
    if (!sameRoles(spec.roles, leaf.roles))
      throw new Error(
        `loss '${name}': input '${inputName}' spans ${formatRoles(leaf.roles)} but is described as ${formatRoles(spec.roles)}`,
      );
  }
  const listed = nameRecord<InputSpec>();
  for (const [inputName, spec] of Object.entries(inputs)) if (found.has(inputName)) listed[inputName] = spec;
  const params = nameRecord<number>();
  for (const [paramName, leaf] of leaves([expr], 'param')) {
    const value = leaf.attrs.default;
    if (value === undefined) throw new Error(`loss '${name}': ${describe(leaf)} needs a default`);
    params[paramName] = value;
  }
  const loss = { name, expr, inputs: Object.freeze(ownRecord(Object.entries(listed))), params: Object.freeze(ownRecord(Object.entries(params))) };
  return Object.freeze(config ? { ...loss, config: Object.freeze(config) } : loss);
}

/**
 * Merges the input descriptions of several losses; the same name must mean the same thing.
 *
 * @example
 * ```ts
 * import { catalogue, mergeInputs } from '@losskit/core';
 * const inputs = mergeInputs([catalogue.categoricalCrossEntropy(), catalogue.dice()]); // pred and target
 * ```
 */
export function mergeInputs(losses: readonly Loss[]): Record<string, InputSpec> {
  const merged = nameRecord<InputSpec>();
  for (const loss of losses)
    for (const [name, spec] of Object.entries(loss.inputs)) {
      const prior = lookupName(merged, name);
      if (prior && (prior.domain !== spec.domain || !sameRoles(prior.roles, spec.roles) || prior.numClasses !== spec.numClasses))
        throw new Error(
          `cannot combine losses: input '${name}' is ${prior.domain} ${formatRoles(prior.roles)} in one term but ` +
            `${spec.domain} ${formatRoles(spec.roles)} in '${loss.name}'; build the terms with the same fromLogits/mode/sparse options`,
        );
      merged[name] = { ...prior, ...spec };
    }
  return ownRecord(Object.entries(merged));
}
