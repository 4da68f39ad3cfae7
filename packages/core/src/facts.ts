import type { Node } from './ir/node.js';
import type { Op } from './ir/ops.js';
import { postOrder } from './ir/post-order.js';

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
const unknownFinite = (node: Node): readonly Node[] => node.args.filter((a) => !finiteMemo.has(a));

export function isAlwaysFinite(node: Node): boolean {
  const known = finiteMemo.get(node);
  if (known !== undefined) return known;
  // arguments first (no recursion on deep graphs), each node once
  for (const n of postOrder([node], unknownFinite)) {
    const selfFinite = n.op === 'const' ? [n.attrs.value!].flat().every(Number.isFinite) : FINITE_SAFE.has(n.op);
    finiteMemo.set(n, selfFinite && n.args.every((a) => finiteMemo.get(a)!));
  }
  return finiteMemo.get(node)!;
}

const ALWAYS_NON_NEGATIVE: ReadonlySet<Op> = new Set<Op>([
  'exp', 'abs', 'square', 'relu', 'sigmoid', 'softplus', 'sqrt', 'size', 'softmax', 'gt', 'ge', 'lt', 'le', 'eq',
]);

/** Ops whose sign follows from some of their arguments': non-negative when all (or any) of those are. */
const SIGN_FROM_ARGS: Partial<Record<Op, { readonly args: (n: Node) => readonly Node[]; readonly all: boolean }>> = {
  broadcastLike: { args: (n) => n.args.slice(0, 1), all: true }, // the second argument is a shape witness
  stopGradient: { args: (n) => n.args, all: true },
  max: { args: (n) => n.args, all: false },
  add: { args: (n) => n.args, all: true },
  mul: { args: (n) => n.args, all: true },
  div: { args: (n) => n.args, all: true },
  sum: { args: (n) => n.args, all: true },
  mean: { args: (n) => n.args, all: true },
  min: { args: (n) => n.args, all: true },
  where: { args: (n) => n.args.slice(1), all: true }, // either branch may be taken
  // a permutation or running sum of non-negative values
  sortBy: { args: (n) => n.args.slice(1), all: true }, // the first argument is the sort key
  unsortBy: { args: (n) => n.args.slice(1), all: true },
  cumsum: { args: (n) => n.args.slice(0, 1), all: true },
};

/** The arguments `isNonNegative` looks at. */
function signArgs(node: Node): readonly Node[] {
  if (node.op === 'const' || ALWAYS_NON_NEGATIVE.has(node.op)) return [];
  return SIGN_FROM_ARGS[node.op]?.args(node) ?? [];
}

const nonNegativeMemo = new WeakMap<Node, boolean>();
const unknownSign = (node: Node): readonly Node[] => signArgs(node).filter((a) => !nonNegativeMemo.has(a));

/** Never below zero (conservative: false when unsure). */
export function isNonNegative(node: Node): boolean {
  const known = nonNegativeMemo.get(node);
  if (known !== undefined) return known;
  for (const n of postOrder([node], unknownSign)) {
    let value: boolean;
    if (n.op === 'const') value = [n.attrs.value!].flat().every((v) => v >= 0);
    else if (ALWAYS_NON_NEGATIVE.has(n.op)) value = true;
    else {
      const rule = SIGN_FROM_ARGS[n.op];
      const signs = signArgs(n).map((a) => nonNegativeMemo.get(a)!);
      value = rule === undefined ? false : rule.all ? signs.every(Boolean) : signs.some(Boolean);
    }
    nonNegativeMemo.set(n, value);
  }
  return nonNegativeMemo.get(node)!;
}

/** The value of a scalar constant, else undefined. */
export function constValue(node: Node): number | undefined {
  return node.op === 'const' && typeof node.attrs.value === 'number' ? node.attrs.value : undefined;
}
