import { type Expr, add, mul, node } from '../builders.js';
import { type Node, topoSort } from '../ir/node.js';
import { formatRoles } from '../ir/roles.js';
import { type Loss, makeLoss, mergeInputs } from './loss.js';

/**
 * One term of `weightedSum`: a scalar loss and its weight (a number or an expression of params).
 *
 * @example
 * ```ts
 * import { catalogue, linearSchedule, type WeightedTerm } from '@losskit/core';
 * const term: WeightedTerm = { loss: catalogue.dice(), weight: linearSchedule({ from: 0, to: 1, end: 10 }) };
 * ```
 */
export interface WeightedTerm {
  readonly loss: Loss;
  /** A number, or an expression of params (e.g. a schedule of 'epoch'). Default 1. */
  readonly weight?: Expr;
}

/**
 * sum_i w_i L_i over scalar losses. Terms share inputs by name ('pred', 'target', 'labels'),
 * which must mean the same data in every term; params keep their names, so a weight
 * `linearSchedule({param: 'epoch', ...})` is bound at evaluation time like any param.
 *
 * @example
 * ```ts
 * import { catalogue, param, weightedSum } from '@losskit/core';
 * const ceDice = weightedSum('ceDice', [
 *   { loss: catalogue.categoricalCrossEntropy() },
 *   { loss: catalogue.dice(), weight: param('lambda', { default: 0.5 }) },
 * ]);
 * ```
 */
export function weightedSum(name: string, terms: readonly WeightedTerm[]): Loss {
  if (terms.length === 0) throw new Error(`weightedSum '${name}': give at least one term`);
  for (const { loss, weight } of terms) {
    if (loss.expr.roles.length > 0)
      throw new Error(
        `weightedSum '${name}': term '${loss.name}' spans ${formatRoles(loss.expr.roles)}; combine scalar losses (reduction 'mean' or 'sum')`,
      );
    if (weight !== undefined && node(weight).roles.length > 0)
      throw new Error(`weightedSum '${name}': the weight of '${loss.name}' must be a scalar expression`);
  }
  const parts = terms.map(({ loss, weight }) => (weight === undefined ? loss.expr : mul(weight, loss.expr)));
  const expr = parts.length === 1 ? parts[0]! : add(parts[0]!, ...parts.slice(1));
  checkParamDefaults(name, expr);
  return makeLoss(name, expr, mergeInputs(terms.map((t) => t.loss)));
}

/** Two params with one name but different defaults would silently shadow each other. */
function checkParamDefaults(name: string, expr: Node): void {
  const defaults = new Map<string, number | undefined>();
  for (const n of topoSort([expr])) {
    if (n.op !== 'param') continue;
    const paramName = n.attrs.name!;
    if (defaults.has(paramName) && defaults.get(paramName) !== n.attrs.default)
      throw new Error(
        `weightedSum '${name}': param '${paramName}' has two defaults (${defaults.get(paramName)} and ${n.attrs.default}); give one`,
      );
    defaults.set(paramName, n.attrs.default);
  }
}
