import { type Node, type Op, type Roles, makeNode } from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import { toFloat32 } from './float32.js';
import { type AxisMap, axesOf, logicalShape, roleAxes, shapeFor } from './layout.js';

/**
 * What a lowering may ask for. Values are held at full rank (size 1 along roles a value does not
 * span, so tfjs broadcasting lines them up) or as rank-0 scalars. A size-1 axis along a role the
 * value does span means "the same along that role": broadcasts stay lazy until an output needs
 * the full shape (see `materialize`), and reductions account for them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { type Lowering, type LoweringContext } from '@losskit/tfjs';
 * const square: Lowering = (node, ctx: LoweringContext) => tf.square(ctx.value(node.args[0]!));
 * ```
 */
export interface LoweringContext {
  readonly axes: AxisMap;
  /** The lowered value of a node (memoized, so shared subexpressions run once). */
  value(node: Node): tf.Tensor;
  /** A boolean tensor for a where-condition: comparisons lower straight to bool. */
  condition(node: Node): tf.Tensor;
  /** Inputs, params and state, bound by the caller. */
  leaf(node: Node): tf.Tensor;
  /** A cached scalar (kept across calls). */
  scalar(value: number): tf.Tensor;
  /** A cached per-class constant at full rank. */
  classVector(values: readonly number[]): tf.Tensor;
  /** Identity whose gradient is zero (used only when tfjs differentiates the lowered graph). */
  stopGradient(x: tf.Tensor): tf.Tensor;
  /** A comparison as bool (opaque to the tape under tfjs autodiff, which has no gradient for it). */
  compare(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/**
 * Lowers one core node to a tfjs tensor, reading its arguments through the context.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { type Lowering } from '@losskit/tfjs';
 * const negate: Lowering = (node, ctx) => tf.neg(ctx.value(node.args[0]!));
 * ```
 */
export type Lowering = (node: Node, ctx: LoweringContext) => tf.Tensor;

const arg = (node: Node, ctx: LoweringContext, i = 0): tf.Tensor => ctx.value(node.args[i]!);
const unary =
  (f: (x: tf.Tensor) => tf.Tensor): Lowering =>
  (n, c) =>
    f(arg(n, c));
/**
 * Leading size-1 axes of the smaller operand dropped when the other keeps the full rank (same result by
 * broadcasting's trailing alignment): the tfjs cpu kernels take a fast path when no axis of an
 * operand is broadcast, so a per-class [1,1,1,C] becomes [C] and a scalar-shaped [1,1,1,1] becomes [].
 */
function trimLeadingOnes(t: tf.Tensor, other: tf.Tensor): tf.Tensor {
  // only the smaller operand, so the result keeps the full rank of the larger
  if (t.rank === 0 || other.rank < t.rank || other.size <= t.size) return t;
  let k = 0;
  while (k < t.rank && t.shape[k] === 1) k++;
  return k === 0 ? t : tf.reshape(t, t.shape.slice(k));
}
/**
 * The tfjs cpu backend broadcasts with per-element index arithmetic (several times slower than its
 * same-shape loop). A per-pixel operand [N,H,W,1] against a full [N,H,W,C] (NHWC: every softmax
 * normalization and its gradient) is expanded first as an outer product [P,1] x [1,C] (MatMul runs
 * a tight loop), then the op takes the same-shape path. Other backends broadcast natively.
 */
function expandPerPixel(t: tf.Tensor, other: tf.Tensor, ctx: LoweringContext): tf.Tensor {
  const last = t.rank - 1;
  if (
    ctx.axes.layout !== 'NHWC' ||
    tf.getBackend() !== 'cpu' ||
    t.rank < 2 ||
    other.rank !== t.rank ||
    t.shape[last] !== 1 ||
    other.shape[last] === 1 ||
    t.shape.some((n, i) => i !== last && n !== other.shape[i])
  )
    return t;
  const classes = other.shape[last]!;
  const ones = tf.reshape(ctx.classVector(new Array<number>(classes).fill(1)), [1, classes]);
  return tf.reshape(tf.matMul(tf.reshape(t, [-1, 1]), ones), other.shape);
}

const binary =
  (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Lowering =>
  (n, c) => {
    const a = expandPerPixel(arg(n, c, 0), arg(n, c, 1), c);
    const b = expandPerPixel(arg(n, c, 1), a, c);
    return f(trimLeadingOnes(a, b), trimLeadingOnes(b, a));
  };
/** Comparisons give 1/0 (the condition, see `CONDITIONS`, cast to float). */
const compare: Lowering = (n, c) => toFloat32(c.condition(n));

const count = (axes: AxisMap, roles: Roles): number => roles.reduce((n, r) => n * axes.sizes[r], 1);

/**
 * sum or mean over roles. Axes where x is physically size 1 but logically longer hold a lazy
 * broadcast: summing n copies multiplies by n, averaging them changes nothing.
 */
function reduce(kind: 'sum' | 'mean'): Lowering {
  return (node, ctx) => {
    const x = arg(node, ctx);
    const full = logicalShape(ctx.axes);
    const axes = axesOf(ctx.axes, node.attrs.roles!);
    // also reduce the size-1 axes (no-ops) so the axes are innermost: tfjs transposes otherwise
    const present = x.rank === 0 || axes.every((a) => x.shape[a] === 1) ? [] : [...new Set([...axes.filter((a) => x.shape[a]! > 1), ...x.shape.flatMap((n, a) => (n === 1 ? [a] : []))])].sort((a, b) => a - b);
    const repeated = x.rank === 0 ? count(ctx.axes, node.attrs.roles!) : axes.filter((a) => x.shape[a] === 1).reduce((n, a) => n * full[a]!, 1);
    let out = present.length === 0 ? x : kind === 'sum' ? tf.sum(x, present, true) : tf.mean(x, present, true);
    if (kind === 'sum' && repeated !== 1) out = tf.mul(out, ctx.scalar(repeated));
    return node.roles.length === 0 && out.rank > 0 ? tf.reshape(out, []) : out;
  };
}

/** x with its class axis at full length (a lazy broadcast along class is expanded). */
function alongClass(x: tf.Tensor, ctx: LoweringContext): tf.Tensor {
  const classAxis = roleAxes(ctx.axes, 'class')[0]!;
  if (x.rank > 0 && x.shape[classAxis] === ctx.axes.sizes.class) return x;
  const full = x.rank === 0 ? new Array<number>(ctx.axes.rank).fill(1) : [...x.shape];
  full[classAxis] = ctx.axes.sizes.class;
  return tf.broadcastTo(x.rank === 0 ? tf.reshape(x, new Array<number>(ctx.axes.rank).fill(1)) : x, full);
}

/**
 * log softmax along class: s - log(sum(exp(s))) with s = x - max(x), so exp never overflows
 * (tfjs's own softmax ops only take the last axis).
 */
const logSoftmax: Lowering = (node, ctx) => {
  const x = alongClass(arg(node, ctx), ctx);
  const axis = roleAxes(ctx.axes, 'class');
  const shifted = tf.sub(x, expandPerPixel(tf.max(x, axis, true), x, ctx));
  return tf.sub(shifted, expandPerPixel(tf.log(tf.sum(tf.exp(shifted), axis, true)), shifted, ctx));
};

/**
 * softmax = exp(log softmax): one Exp on top of the log-softmax that cross-entropy terms (and the
 * log-softmax gradient, exp(logSoftmax(x)), already compute; the node is interned, so the memo shares it.
 */
const softmax: Lowering = (node, ctx) => ctx.value(makeNode('exp', [makeNode('logSoftmax', node.args)]));

/** elu with a negative-side scale: x > 0 ? x : alpha (e^x - 1); expm1 sees min(x, 0) so it never overflows. */
const elu: Lowering = (node, ctx) => {
  const x = arg(node, ctx);
  const alpha = node.attrs.alpha!;
  if (alpha === 1) return tf.elu(x);
  return tf.where(ctx.compare(tf.greater, x, ctx.scalar(0)), x, tf.mul(ctx.scalar(alpha), tf.expm1(tf.minimum(x, ctx.scalar(0)))));
};

/**
 * tf.where broadcasts all three operands with broadcastTo first, one Identity kernel each even when
 * the shapes already agree (every scalar where of a gradient); Select is called directly then.
 */
const where: Lowering = (node, ctx) => {
  const condition = ctx.condition(node.args[0]!);
  const a = arg(node, ctx, 1);
  const b = arg(node, ctx, 2);
  const same = (x: tf.Tensor, y: tf.Tensor) => x.rank === y.rank && x.shape.every((n, i) => n === y.shape[i]);
  if (same(condition, a) && same(a, b) && a.dtype === b.dtype)
    return tf.engine().runKernel('Select', { condition, t: a, e: b }) as tf.Tensor;
  return tf.where(condition, a, b);
};

/**
 * Runs `f` on x as a matrix [groups, n]: the axes of `along` (in batch, class, spatial order, the
 * order the core flattens them in) moved last and flattened, every other axis flattened into the
 * groups; the result is put back in x's layout. Lazy broadcasts are expanded first: the order ops
 * move elements, so each needs its own copy.
 */
function alongRoles(node: Node, ctx: LoweringContext, xs: readonly tf.Tensor[], f: (...m: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const shape = shapeFor(ctx.axes, node.roles);
  const full = xs.map((x) => tf.broadcastTo(x.rank === 0 ? tf.reshape(x, shape.map(() => 1)) : x, shape));
  const inner = node.attrs.roles!.flatMap((r) => roleAxes(ctx.axes, r));
  const outer = shape.map((_, a) => a).filter((a) => !inner.includes(a));
  const perm = [...outer, ...inner];
  const n = inner.reduce((m, a) => m * shape[a]!, 1);
  const permuted = perm.map((a) => shape[a]!);
  const matrices = full.map((x) => tf.reshape(tf.transpose(x, perm), [-1, n]));
  const back = perm.map((_, a) => perm.indexOf(a));
  return tf.transpose(tf.reshape(f(...matrices), permuted), back);
}

/**
 * webgl's TopK reads the keys back to the CPU (a synchronous ReadPixels) when the row is shorter
 * than TOPK_LAST_DIM_CPU_HANDOFF_SIZE_THRESHOLD or k exceeds TOPK_K_CPU_HANDOFF_THRESHOLD (128),
 * i.e. always for a full sort. Its bitonic GPU sort handles any k, so the flags are lifted for this
 * one dispatch and put back (they are read when the kernel is chosen).
 */
const WEBGL_TOPK_ON_GPU: Readonly<Record<string, number>> = {
  TOPK_LAST_DIM_CPU_HANDOFF_SIZE_THRESHOLD: 0,
  TOPK_K_CPU_HANDOFF_THRESHOLD: Number.MAX_SAFE_INTEGER,
};

/** Column indices of each row sorted by key, descending (tf.topk keeps equal keys in index order). */
function descendingOrder(keys: tf.Tensor): tf.Tensor {
  const sort = () => tf.topk(keys as tf.Tensor2D, keys.shape[1]!, true).indices;
  if (tf.getBackend() !== 'webgl') return sort();
  const env = tf.env();
  const saved = Object.keys(WEBGL_TOPK_ON_GPU).map((flag) => [flag, env.getNumber(flag)] as const);
  try {
    for (const [flag, value] of Object.entries(WEBGL_TOPK_ON_GPU)) env.set(flag, value);
    return sort();
  } finally {
    for (const [flag, value] of saved) env.set(flag, value);
  }
}

/**
 * Row i of the matrix x reordered by row i of the int32 `indices`, by one flat gather with row
 * offsets: the wasm backend's batched gather (batchDims 1) gives wrong rows.
 */
function gatherRows(x: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  const [rows, n] = x.shape as [number, number];
  const offsets = tf.mul(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), tf.scalar(n, 'int32'));
  return tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(tf.add(indices, offsets), [-1])), [rows, n]);
}

/** The descending order of each row and its inverse (the ascending order of the permutation), as float32 [2, rows, n] (exact below 2^24). */
const ORDERS = (keys: tf.Tensor): tf.Tensor => {
  const order = descendingOrder(keys);
  return tf.stack([tf.cast(order, 'float32'), tf.cast(descendingOrder(tf.neg(tf.cast(order, 'float32'))), 'float32')]);
};

/**
 * The permutations of one key along some roles, shared by every order op with that key in one call
 * (value and gradient: sortBy of the errors and of the target, unsortBy in the gradient), so each
 * is sorted once. Keyed by the lowered key tensor, which is new in every call (a disposed entry,
 * from an input tensor reused across calls, is recomputed).
 */
const orderCache = new WeakMap<tf.Tensor, Map<string, tf.Tensor>>();
function ordersOf(node: Node, ctx: LoweringContext, key: tf.Tensor, keys: tf.Tensor): tf.Tensor {
  const byRoles = orderCache.get(key) ?? new Map<string, tf.Tensor>();
  orderCache.set(key, byRoles);
  const along = node.attrs.roles!.join('+');
  let orders = byRoles.get(along);
  // under tfjs autodiff the sort runs opaque to the tape (as comparisons do): no int32 on a taped path
  if (!orders || orders.isDisposed) byRoles.set(along, (orders = ctx.compare(ORDERS, keys, keys)));
  return orders;
}

/**
 * sortBy / unsortBy of [rows, n] values by precomputed orders, as a customGrad: the value's
 * gradient is the upstream gradient reordered back (so tfjs autodiff agrees with the symbolic rule),
 * the orders get none.
 */
const permuteMatrix = (inverse: boolean) =>
  tf.customGrad(((values: tf.Tensor, orders: tf.Tensor, save: tf.GradSaveFunc) => {
    const [order, back] = tf.unstack(tf.cast(orders, 'int32')) as [tf.Tensor, tf.Tensor];
    save([inverse ? order : back]);
    return {
      value: gatherRows(values, inverse ? back : order),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [gatherRows(dy, saved[0]!), tf.zerosLike(orders)],
    };
  }) as never) as (values: tf.Tensor, orders: tf.Tensor) => tf.Tensor;

/** sortBy: the value in the key's descending order; unsortBy: that permutation undone. */
const permute = (inverse: boolean): Lowering => {
  const matrix = permuteMatrix(inverse);
  return (node, ctx) => {
    const key = arg(node, ctx, 0);
    return alongRoles(node, ctx, [key, arg(node, ctx, 1)], (keys, values) => matrix(values!, ordersOf(node, ctx, key, keys!)));
  };
};

const constant: Lowering = (node, ctx) => {
  const v = node.attrs.value!;
  if (typeof v === 'number') return ctx.scalar(v);
  if (v.length !== ctx.axes.sizes.class)
    throw new Error(`a per-class constant has ${v.length} values but the class axis has ${ctx.axes.sizes.class}`);
  return ctx.classVector(v);
};

/**
 * One lowering per op. `ema` is absent on purpose: `lowerState` rewrites it into arithmetic over
 * state leaves before lowering. An op missing here fails at compile time with its name.
 *
 * @example
 * ```ts
 * import { LOWERINGS } from '@losskit/tfjs';
 * Object.keys(LOWERINGS).includes('softmax'); // true
 * ```
 */
export const LOWERINGS: Partial<Record<Op, Lowering>> = {
  const: constant,
  input: (n, c) => c.leaf(n),
  param: (n, c) => c.leaf(n),
  state: (n, c) => c.leaf(n),
  size: (n, c) => c.scalar(count(c.axes, n.attrs.roles!)),
  neg: unary(tf.neg),
  exp: unary(tf.exp),
  log: unary(tf.log),
  log1p: unary(tf.log1p),
  sqrt: unary(tf.sqrt),
  abs: unary(tf.abs),
  sign: unary(tf.sign),
  square: unary(tf.square),
  relu: unary(tf.relu),
  elu,
  sigmoid: unary(tf.sigmoid),
  softplus: unary(tf.softplus),
  tanh: unary(tf.tanh),
  stopGradient: (n, c) => c.stopGradient(arg(n, c)),
  add: binary(tf.add),
  sub: binary(tf.sub),
  mul: binary(tf.mul),
  div: binary(tf.div),
  pow: binary(tf.pow),
  min: binary(tf.minimum),
  max: binary(tf.maximum),
  gt: compare,
  ge: compare,
  lt: compare,
  le: compare,
  eq: compare,
  where,
  sum: reduce('sum'),
  mean: reduce('mean'),
  softmax,
  logSoftmax,
  broadcastLike: (n, c) => arg(n, c), // lazy: size-1 axes broadcast wherever the value is used
  sortBy: permute(false),
  unsortBy: permute(true),
  cumsum: (n, c) => alongRoles(n, c, [arg(n, c)], (x) => tf.cumsum(x!, 1)),
};

/** Comparisons as boolean tensors, for `where` conditions and (cast) for compare values. */
export const CONDITIONS: Partial<Record<Op, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>> = {
  gt: tf.greater,
  ge: tf.greaterEqual,
  lt: tf.less,
  le: tf.lessEqual,
  eq: tf.equal,
};
