/**
 * The closed op set of the IR. Everything a loss needs is built from these; a backend
 * lowers each one (or lets core decompose it), and the gradient table has one rule each.
 */
export const LEAF_OPS = ['const', 'input', 'param', 'state', 'size'] as const;
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
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max'] as const;
export const COMPARE_OPS = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
export const REDUCE_OPS = ['sum', 'mean'] as const;
/** Normalizations along the class axis. */
export const CLASS_OPS = ['softmax', 'logSoftmax'] as const;
export const OTHER_OPS = ['where', 'broadcastLike', 'ema'] as const;

export type LeafOp = (typeof LEAF_OPS)[number];
export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];
export type ClassOp = (typeof CLASS_OPS)[number];
export type Op = LeafOp | UnaryOp | BinaryOp | CompareOp | ReduceOp | ClassOp | (typeof OTHER_OPS)[number];

export const ALL_OPS: readonly Op[] = [
  ...LEAF_OPS,
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...COMPARE_OPS,
  ...REDUCE_OPS,
  ...CLASS_OPS,
  ...OTHER_OPS,
];

/** a op b == b op a */
export const COMMUTATIVE_OPS: ReadonlySet<Op> = new Set<Op>(['add', 'mul', 'min', 'max', 'eq']);

/** Number of tensor arguments per op. */
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
  where: 3,
  broadcastLike: 2,
  ema: 2,
};

const is =
  <T extends Op>(list: readonly T[]) =>
  (op: Op): op is T =>
    (list as readonly Op[]).includes(op);

export const isLeafOp = is(LEAF_OPS);
export const isUnaryOp = is(UNARY_OPS);
export const isBinaryOp = is(BINARY_OPS);
export const isCompareOp = is(COMPARE_OPS);
export const isReduceOp = is(REDUCE_OPS);
export const isClassOp = is(CLASS_OPS);
