/**
 * The closed op set of the IR. Everything a loss needs is built from these; a backend
 * lowers each one (or lets core decompose it), and the gradient table has one rule each.
 *
 * @example
 * ```ts
 * import { LEAF_OPS } from '@losskit/core';
 * LEAF_OPS.includes('input'); // true
 * ```
 */
export const LEAF_OPS = ['const', 'input', 'param', 'state', 'size'] as const;
/**
 * The elementwise ops with one argument.
 *
 * @example
 * ```ts
 * import { UNARY_OPS } from '@losskit/core';
 * UNARY_OPS.includes('exp'); // true
 * ```
 */
export const UNARY_OPS = [
  'neg',
  'exp',
  'log',
  'log1p',
  'sqrt',
  'abs',
  'sign',
  'square',
  'relu',
  'elu',
  'sigmoid',
  'softplus',
  'tanh',
  'stopGradient',
] as const;
/**
 * The elementwise arithmetic ops with two arguments.
 *
 * @example
 * ```ts
 * import { BINARY_OPS } from '@losskit/core';
 * BINARY_OPS.includes('pow'); // true
 * ```
 */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max'] as const;
/**
 * The comparisons; each gives 1 or 0 and has no gradient.
 *
 * @example
 * ```ts
 * import { COMPARE_OPS } from '@losskit/core';
 * COMPARE_OPS.includes('ge'); // true
 * ```
 */
export const COMPARE_OPS = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
/**
 * The reductions over roles.
 *
 * @example
 * ```ts
 * import { REDUCE_OPS } from '@losskit/core';
 * REDUCE_OPS.includes('sum'); // true
 * ```
 */
export const REDUCE_OPS = ['sum', 'mean'] as const;
/**
 * Normalizations along the class axis.
 *
 * @example
 * ```ts
 * import { CLASS_OPS } from '@losskit/core';
 * CLASS_OPS.includes('softmax'); // true
 * ```
 */
export const CLASS_OPS = ['softmax', 'logSoftmax'] as const;
/**
 * Ops along an order of the elements over some roles (attrs.roles, flattened batch, class, spatial):
 * `sortBy(key, x)` permutes x so that key descends (ties keep their order), `unsortBy(key, x)`
 * applies the inverse permutation, `cumsum(x)` is the inclusive running sum. Lovász losses need them.
 *
 * @example
 * ```ts
 * import { ORDER_OPS } from '@losskit/core';
 * ORDER_OPS.includes('sortBy'); // true
 * ```
 */
export const ORDER_OPS = ['sortBy', 'unsortBy', 'cumsum'] as const;
/**
 * The remaining ops: where, broadcastLike and the stateful ema.
 *
 * @example
 * ```ts
 * import { OTHER_OPS } from '@losskit/core';
 * OTHER_OPS.includes('ema'); // true
 * ```
 */
export const OTHER_OPS = ['where', 'broadcastLike', 'ema'] as const;

/**
 * An op without arguments: constants, inputs, params, state, sizes.
 *
 * @example
 * ```ts
 * import { type LeafOp, LEAF_OPS } from '@losskit/core';
 * const op: LeafOp = 'param';
 * LEAF_OPS.includes(op); // true
 * ```
 */
export type LeafOp = (typeof LEAF_OPS)[number];
/**
 * An op with one tensor argument.
 *
 * @example
 * ```ts
 * import { type UnaryOp, UNARY_OPS } from '@losskit/core';
 * const op: UnaryOp = 'exp';
 * UNARY_OPS.includes(op); // true
 * ```
 */
export type UnaryOp = (typeof UNARY_OPS)[number];
/**
 * An arithmetic op with two tensor arguments.
 *
 * @example
 * ```ts
 * import { type BinaryOp, BINARY_OPS } from '@losskit/core';
 * const op: BinaryOp = 'pow';
 * BINARY_OPS.includes(op); // true
 * ```
 */
export type BinaryOp = (typeof BINARY_OPS)[number];
/**
 * A comparison op (gives 1 or 0).
 *
 * @example
 * ```ts
 * import { type CompareOp, COMPARE_OPS } from '@losskit/core';
 * const op: CompareOp = 'gt';
 * COMPARE_OPS.includes(op); // true
 * ```
 */
export type CompareOp = (typeof COMPARE_OPS)[number];
/**
 * A reduction over roles.
 *
 * @example
 * ```ts
 * import { type ReduceOp, REDUCE_OPS } from '@losskit/core';
 * const op: ReduceOp = 'mean';
 * REDUCE_OPS.includes(op); // true
 * ```
 */
export type ReduceOp = (typeof REDUCE_OPS)[number];
/**
 * A normalization along the class axis.
 *
 * @example
 * ```ts
 * import { type ClassOp, CLASS_OPS } from '@losskit/core';
 * const op: ClassOp = 'softmax';
 * CLASS_OPS.includes(op); // true
 * ```
 */
export type ClassOp = (typeof CLASS_OPS)[number];
/**
 * Every op of the IR.
 *
 * @example
 * ```ts
 * import { type Op, ARITY } from '@losskit/core';
 * const op: Op = 'where';
 * ARITY[op]; // 3
 * ```
 */
export type Op = LeafOp | UnaryOp | BinaryOp | CompareOp | ReduceOp | ClassOp | OrderOp | (typeof OTHER_OPS)[number];
/**
 * An op along an order of elements over roles.
 *
 * @example
 * ```ts
 * import { type OrderOp, ORDER_OPS } from '@losskit/core';
 * const op: OrderOp = 'cumsum';
 * ORDER_OPS.includes(op); // true
 * ```
 */
export type OrderOp = (typeof ORDER_OPS)[number];

/**
 * Every op, grouped as above.
 *
 * @example
 * ```ts
 * import { ALL_OPS } from '@losskit/core';
 * ALL_OPS.length; // the size of the closed op set
 * ```
 */
export const ALL_OPS: readonly Op[] = [
  ...LEAF_OPS,
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...COMPARE_OPS,
  ...REDUCE_OPS,
  ...CLASS_OPS,
  ...ORDER_OPS,
  ...OTHER_OPS,
];

/**
 * a op b == b op a
 *
 * @example
 * ```ts
 * import { COMMUTATIVE_OPS } from '@losskit/core';
 * COMMUTATIVE_OPS.has('mul'); // true
 * COMMUTATIVE_OPS.has('sub'); // false
 * ```
 */
export const COMMUTATIVE_OPS: ReadonlySet<Op> = new Set<Op>(['add', 'mul', 'min', 'max', 'eq']);

/**
 * Number of tensor arguments per op.
 *
 * @example
 * ```ts
 * import { ARITY } from '@losskit/core';
 * ARITY.where; // 3
 * ```
 */
export const ARITY: Record<Op, number> = {
  const: 0,
  input: 0,
  param: 0,
  state: 0,
  size: 0,
  ...(Object.fromEntries(UNARY_OPS.map((op) => [op, 1])) as Record<UnaryOp, 1>),
  ...(Object.fromEntries(BINARY_OPS.map((op) => [op, 2])) as Record<BinaryOp, 2>),
  ...(Object.fromEntries(COMPARE_OPS.map((op) => [op, 2])) as Record<CompareOp, 2>),
  sum: 1,
  mean: 1,
  softmax: 1,
  logSoftmax: 1,
  sortBy: 2,
  unsortBy: 2,
  cumsum: 1,
  where: 3,
  broadcastLike: 2,
  ema: 2,
};

const is =
  <T extends Op>(list: readonly T[]) =>
  (op: Op): op is T =>
    (list as readonly Op[]).includes(op);

/**
 * Whether an op is one of the leaves.
 *
 * @example
 * ```ts
 * import { isLeafOp } from '@losskit/core';
 * isLeafOp('input'); // true
 * ```
 */
export const isLeafOp = is(LEAF_OPS);
/**
 * Whether an op is one of the unary ops.
 *
 * @example
 * ```ts
 * import { isUnaryOp } from '@losskit/core';
 * isUnaryOp('exp'); // true
 * ```
 */
export const isUnaryOp = is(UNARY_OPS);
/**
 * Whether an op is one of the binary ops.
 *
 * @example
 * ```ts
 * import { isBinaryOp } from '@losskit/core';
 * isBinaryOp('add'); // true
 * ```
 */
export const isBinaryOp = is(BINARY_OPS);
/**
 * Whether an op is one of the comparisons.
 *
 * @example
 * ```ts
 * import { isCompareOp } from '@losskit/core';
 * isCompareOp('gt'); // true
 * ```
 */
export const isCompareOp = is(COMPARE_OPS);
/**
 * Whether an op is one of the reductions.
 *
 * @example
 * ```ts
 * import { isReduceOp } from '@losskit/core';
 * isReduceOp('sum'); // true
 * ```
 */
export const isReduceOp = is(REDUCE_OPS);
/**
 * Whether an op is one of the class normalizations.
 *
 * @example
 * ```ts
 * import { isClassOp } from '@losskit/core';
 * isClassOp('softmax'); // true
 * ```
 */
export const isClassOp = is(CLASS_OPS);
/**
 * Whether an op is one of the order ops (sortBy, unsortBy, cumsum).
 *
 * @example
 * ```ts
 * import { isOrderOp } from '@losskit/core';
 * isOrderOp('cumsum'); // true
 * ```
 */
export const isOrderOp = is(ORDER_OPS);
