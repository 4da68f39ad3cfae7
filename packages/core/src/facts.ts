import type { Node } from './ir/node.js';
import type { Op } from './ir/ops.js';

/**
 * Conservative facts about a node's value that simplify rules use as guards.
 * `finite`: finite whenever the inputs are finite (no log, division, exp or pow, which can
 * produce Inf or NaN from finite inputs). `nonNegative`: never below zero.
 */
const FINITE_SAFE: ReadonlySet<Op> = new Set<Op>([
  'const', 'input', 'param', 'size', 'state', 'neg', 'abs', 'sign', 'square', 'relu', 'elu', 'sigmoid',
  'softplus', 'tanh', 'stopGradient', 'add', 'sub', 'mul', 'min', 'max', 'gt', 'ge', 'lt', 'le', 'eq',
  'where', 'sum', 'mean', 'softmax', 'broadcastLike', 'sortBy', 'unsortBy', 'cumsum',
]);

const finiteMemo = new WeakMap<Node, boolean>();
export function isAlwaysFinite(node: Node): boolean {
  let known = finiteMemo.get(node);
  if (known === undefined) {
    const selfFinite =
      node.op === 'const'
        ? [node.attrs.value!].flat().every(Number.isFinite)
        : FINITE_SAFE.has(node.op);
    known = selfFinite && node.args.every(isAlwaysFinite);
    finiteMemo.set(node, known);
  }
  return known;
}

const ALWAYS_NON_NEGATIVE: ReadonlySet<Op> = new Set<Op>([
  'exp', 'abs', 'square', 'relu', 'sigmoid', 'softplus', 'sqrt', 'size', 'softmax', 'gt', 'ge', 'lt', 'le', 'eq',
]);

export function isNonNegative(node: Node): boolean {
  if (node.op === 'const') return [node.attrs.value!].flat().every((v) => v >= 0);
  if (ALWAYS_NON_NEGATIVE.has(node.op)) return true;
  if (node.op === 'broadcastLike' || node.op === 'stopGradient') return isNonNegative(node.args[0]!);
  if (node.op === 'max') return node.args.some(isNonNegative);
  // a permutation or running sum of non-negative values
  if (node.op === 'sortBy' || node.op === 'unsortBy') return isNonNegative(node.args[1]!);
  if (node.op === 'cumsum') return isNonNegative(node.args[0]!);
  if (['add', 'mul', 'div', 'sum', 'mean', 'min', 'where'].includes(node.op))
    return node.args.slice(node.op === 'where' ? 1 : 0).every(isNonNegative);
  return false;
}

/** The value of a scalar constant, else undefined. */
export function constValue(node: Node): number | undefined {
  return node.op === 'const' && typeof node.attrs.value === 'number' ? node.attrs.value : undefined;
}
