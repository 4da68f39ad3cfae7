import { type Node, type Op, type Roles, logSoftmax, makeNode, minusRoles, unionRoles } from '@losskit/core';
import type { Layout } from './layout.js';

/**
 * A lowered value. `phys` lists the roles the ONNX tensor really spans (a subset of the node's
 * roles): a broadcast is left to ONNX broadcasting instead of an Expand, and only materialized
 * where a reduction or a graph output needs it. `bool` marks a comparison result, kept as an ONNX
 * bool so Where uses it directly; `float` caches its Cast to float.
 *
 * @example
 * ```ts
 * import { type Lowered } from '@losskit/onnx';
 * const value: Lowered = { name: 'pred', phys: ['batch', 'class', 'spatial'] };
 * ```
 */
export interface Lowered {
  readonly name: string;
  readonly phys: Roles;
  readonly bool?: boolean;
  float?: string;
}

/**
 * What a lowering rule may use: the node, its lowered arguments and a few emitters.
 *
 * @example
 * ```ts
 * import { LOWERINGS, type LoweringContext } from '@losskit/onnx';
 * const exp = (ctx: LoweringContext) => ({ name: ctx.emit('Exp', [ctx.float(ctx.args[0]!)]), phys: ctx.args[0]!.phys });
 * typeof LOWERINGS.exp; // 'function'
 * ```
 */
export interface LoweringContext {
  readonly node: Node;
  readonly args: readonly Lowered[];
  /** Emits one ONNX node named after the core node; returns its single output. */
  emit(opType: string, inputs: string[], attrs?: Record<string, number | number[] | { float: number }>, hint?: string): string;
  /** A value as a float tensor (bool comparison results are cast once). */
  float(value: Lowered): string;
  /** A value as a bool tensor (float: nonzero is true). */
  bool(value: Lowered): string;
  /** A float scalar constant. */
  constant(value: number): string;
  /** A per-class float constant, shaped for broadcasting. */
  classConstant(values: readonly number[]): string;
  /** An int64 1-D constant (axes). */
  axes(roles: Roles): string;
  /** An int64 constant: 1-D from a list, 0-D from a number. */
  axesConstant(values: number | readonly number[]): string;
  /** Lowers another core node through the shared memo table (used by peepholes). */
  lower(node: Node): Lowered;
  /** The graph value of an input, param or state leaf. */
  leaf(node: Node): Lowered;
  /** The element count over `roles` as a float scalar (static when shapes are known). */
  size(roles: Roles): Lowered;
  /** The physical layout (where each role's axes are). */
  readonly layout: Layout;
  /** A value expanded to span `roles` physically (an Expand unless it already does). */
  materialize(value: Lowered, roles: Roles): string;
  /** Emits one ONNX node with `count` outputs (TopK's values and indices). */
  emitOutputs(opType: string, inputs: string[], attrs: Record<string, number | number[]>, count: number): string[];
  /** The class axis index. */
  readonly classAxis: number;
  /** Softmax / LogSoftmax as ONNX ops ('native') or from ReduceMax, Exp, ReduceSum ('decompose'). */
  readonly classNormalization: ClassNormalization;
  /** The shared pieces of softmax and log-softmax of one value (emitted once per value). */
  classStats(x: Lowered): ClassStats;
}

/**
 * How softmax and logSoftmax are emitted: 'decompose' (ReduceMax, Exp, ReduceSum; faster on ORT CPU) or 'native' ONNX ops.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type ClassNormalization, toOnnx } from '@losskit/onnx';
 * const classNormalization: ClassNormalization = 'native';
 * const model = toOnnx(catalogue.categoricalCrossEntropy(), { classNormalization });
 * ```
 */
export type ClassNormalization = 'native' | 'decompose';

/**
 * max_c x, x - max, exp(x - max) and its class sum, emitted once per value.
 *
 * @example
 * ```ts
 * import { type ClassStats, type Lowering } from '@losskit/onnx';
 * // softmax from the shared pieces: exp(x - max) / sum
 * const softmax: Lowering = (ctx) => {
 *   const stats: ClassStats = ctx.classStats(ctx.args[0]!);
 *   return { name: ctx.emit('Div', [stats.exp, stats.sum]), phys: ctx.args[0]!.phys };
 * };
 * ```
 */
export interface ClassStats {
  readonly max: string;
  readonly shifted: string;
  readonly exp: string;
  readonly sum: string;
}

/** mean_c(z - logsoftmax z): the log-sum-exp of z along class (constant along class). */
export function logSumExpOperand(node: Node): Node | undefined {
  if (node.op !== 'mean' || node.attrs.roles!.length !== 1 || node.attrs.roles![0] !== 'class') return undefined;
  const [d] = node.args as [Node];
  if (d.op !== 'sub') return undefined;
  const [z, l] = d.args as [Node, Node];
  return l.op === 'logSoftmax' && l.args[0] === z ? z : undefined;
}

/** y - lse(z) or lse(z) - y (exactly one side a log-sum-exp): [y, z] and which side lse is on. */
function logProbabilityOperands(node: Node): { y: Node; z: Node; lseFirst: boolean } | undefined {
  if (node.op !== 'sub') return undefined;
  const [p, q] = node.args as [Node, Node];
  const [zp, zq] = [logSumExpOperand(p), logSumExpOperand(q)];
  if (zq && !zp) return { y: p, z: zq, lseFirst: false };
  if (zp && !zq) return { y: q, z: zp, lseFirst: true };
  return undefined;
}

/** The arguments a node's lowering reads (the rest are never emitted for it). */
export function loweredArgs(node: Node): readonly Node[] {
  // y - lse(z) reads y and the class statistics of z
  const split = logProbabilityOperands(node);
  if (split) return [split.y, split.z];
  // broadcastLike(g, like) only needs g: like's value is left to ONNX broadcasting
  if (node.op === 'broadcastLike') return node.args.slice(0, 1);
  // log-sum-exp comes from the class statistics of z, not from z - logsoftmax(z)
  const z = logSumExpOperand(node);
  return z ? [z] : node.args;
}

/**
 * Lowers one core node to ONNX nodes, reading its lowered arguments through the context.
 *
 * @example
 * ```ts
 * import { type Lowering } from '@losskit/onnx';
 * const exp: Lowering = (ctx) => ({ name: ctx.emit('Exp', [ctx.float(ctx.args[0]!)]), phys: ctx.args[0]!.phys });
 * ```
 */
export type Lowering = (ctx: LoweringContext) => Lowered;

const elementwise = (opType: string): Lowering => (ctx) => ({
  name: ctx.emit(
    opType,
    ctx.args.map((a) => ctx.float(a)),
  ),
  phys: unionPhys(ctx.args),
});

const compare = (opType: string): Lowering => (ctx) => ({
  name: ctx.emit(
    opType,
    ctx.args.map((a) => ctx.float(a)),
  ),
  phys: unionPhys(ctx.args),
  bool: true,
});

const unionPhys = (args: readonly Lowered[]): Roles => unionRoles(...args.map((a) => a.phys));

const constValue = (node: Node): number | undefined =>
  node.op === 'const' && typeof node.attrs.value === 'number' ? node.attrs.value : undefined;

/**
 * sum or mean over `roles`. Roles the operand spans physically are reduced by ReduceSum /
 * ReduceMean; roles it only spans by broadcast contribute a factor size(roles) to a sum and
 * nothing to a mean (the mean of a constant is the constant).
 */
const reduce =
  (opType: 'ReduceSum' | 'ReduceMean'): Lowering =>
  (ctx) => {
    const x = ctx.args[0]!;
    const reduced = ctx.node.attrs.roles!;
    const present = x.phys.filter((r) => reduced.includes(r));
    const absent = minusRoles(reduced, present);
    const kept = minusRoles(x.phys, reduced);
    let out: Lowered = x;
    if (present.length > 0)
      out = {
        // reducing every physical axis: reduce all, keepdims=0 gives the rank-0 scalar
        name:
          kept.length === 0
            ? ctx.emit(opType, [ctx.float(x)], { keepdims: 0 })
            : ctx.emit(opType, [ctx.float(x), ctx.axes(present)], { keepdims: 1 }),
        phys: kept,
      };
    if (opType === 'ReduceSum' && absent.length > 0)
      out = { name: ctx.emit('Mul', [ctx.float(out), ctx.size(absent).name]), phys: kept };
    return out;
  };

/**
 * ONNX Runtime's CPU Softmax / LogSoftmax along a non-last axis transposes the tensor there and
 * back, and along a short last axis pays per-row overhead: with 4 classes the decomposition runs
 * ~5x faster in NCHW (36 ms vs 7 ms for both on 2^20 floats, measured), so it is the default.
 * softmax along class of a value constant along class (class only by broadcast) is 1/C everywhere
 * and its log is -log C.
 */
const classNormalize =
  (opType: 'Softmax' | 'LogSoftmax'): Lowering =>
  (ctx) => {
    const x = ctx.args[0]!;
    if (x.phys.includes('class')) {
      if (ctx.classNormalization === 'native') return { name: ctx.emit(opType, [ctx.float(x)], { axis: ctx.classAxis }), phys: x.phys };
      // softmax = e / sum_c e and logsoftmax = (x - m) - log sum_c e, with e = exp(x - m), m = max_c x
      const { shifted, exp, sum } = ctx.classStats(x);
      return opType === 'Softmax'
        ? { name: ctx.emit('Div', [exp, sum]), phys: x.phys }
        : { name: ctx.emit('Sub', [shifted, ctx.emit('Log', [sum], {}, 'logClassSum')]), phys: x.phys };
    }
    const classes = ctx.size(['class']).name;
    return opType === 'Softmax'
      ? { name: ctx.emit('Reciprocal', [classes]), phys: [] }
      : { name: ctx.emit('Neg', [ctx.emit('Log', [classes])]), phys: [] };
  };

const same: Lowering = (ctx) => ctx.args[0]!;

/**
 * The order ops run on [..., n] tensors: the operands materialized, the axes of the ordered roles
 * moved last (in batch, class, spatial order, as the core flattens them) and flattened by a
 * Reshape whose 0s copy the leading dims (so symbolic sizes stay symbolic), then put back.
 */
function alongRoles(ctx: LoweringContext, f: (flat: string[], leading: number) => string): Lowered {
  const roles = ctx.node.roles;
  const inner = ctx.node.attrs.roles!.flatMap((r) => ctx.layout.axes[r]);
  const outer = Array.from({ length: ctx.layout.rank }, (_, a) => a).filter((a) => !inner.includes(a));
  const perm = [...outer, ...inner];
  const moved = ctx.args.map((a) => ctx.emit('Transpose', [ctx.materialize(a, roles)], { perm }));
  const flatShape = ctx.axesConstant([...outer.map(() => 0), -1]);
  const flat = moved.map((m) => ctx.emit('Reshape', [m, flatShape]));
  const result = ctx.emit('Reshape', [f(flat, outer.length), ctx.emit('Shape', [moved[0]!])]);
  return { name: ctx.emit('Transpose', [result], { perm: perm.map((_, a) => perm.indexOf(a)) }), phys: roles };
}

/** Each row's indices by descending key: TopK with K = the row length (ties: lower index first, per the ONNX spec). */
const descendingOrder = (ctx: LoweringContext, keys: string, leading: number): string =>
  ctx.emitOutputs('TopK', [keys, ctx.emit('Shape', [keys], { start: leading })], { axis: -1, largest: 1, sorted: 1 }, 2)[1]!;

/** sortBy gathers the value in that order; unsortBy scatters it back to where each element came from. */
const permute =
  (inverse: boolean): Lowering =>
  (ctx) =>
    alongRoles(ctx, ([keys, values], leading) => {
      const order = descendingOrder(ctx, keys!, leading);
      // every position is written once (a permutation), so the value itself serves as the data
      return inverse ? ctx.emit('ScatterElements', [values!, order, values!], { axis: -1 }) : ctx.emit('GatherElements', [values!, order], { axis: -1 });
    });

/**
 * The lowering table: one rule per core op, ONNX op names as ONNX spells them. A missing op
 * is a compile error. Peepholes that save nodes carry the identity they rely on.
 *
 * @example
 * ```ts
 * import { LOWERINGS } from '@losskit/onnx';
 * Object.keys(LOWERINGS).length; // one lowering per core op
 * ```
 */
export const LOWERINGS = {
  const: (ctx) => {
    const value = ctx.node.attrs.value!;
    return typeof value === 'number'
      ? { name: ctx.constant(value), phys: [] }
      : { name: ctx.classConstant(value), phys: ['class'] };
  },
  input: (ctx) => ctx.leaf(ctx.node),
  param: (ctx) => ctx.leaf(ctx.node),
  state: (ctx) => ctx.leaf(ctx.node),
  size: (ctx) => ctx.size(ctx.node.attrs.roles!),
  neg: elementwise('Neg'),
  exp: elementwise('Exp'),
  log: elementwise('Log'),
  // ONNX has no Log1p: log(1 + x)
  log1p: (ctx) => ({ name: ctx.emit('Log', [ctx.emit('Add', [ctx.float(ctx.args[0]!), ctx.constant(1)])]), phys: ctx.args[0]!.phys }),
  sqrt: elementwise('Sqrt'),
  abs: elementwise('Abs'),
  sign: elementwise('Sign'),
  // x*x: cheaper than Pow(x, 2) on ORT CPU
  square: (ctx) => {
    const x = ctx.float(ctx.args[0]!);
    return { name: ctx.emit('Mul', [x, x]), phys: ctx.args[0]!.phys };
  },
  relu: elementwise('Relu'),
  elu: (ctx) => ({ name: ctx.emit('Elu', [ctx.float(ctx.args[0]!)], { alpha: { float: ctx.node.attrs.alpha! } }), phys: ctx.args[0]!.phys }),
  sigmoid: elementwise('Sigmoid'),
  softplus: elementwise('Softplus'),
  tanh: elementwise('Tanh'),
  stopGradient: same,
  add: elementwise('Add'),
  sub: (ctx) => {
    // y - lse(z) = (y - max_c z) - log sum_c e^(z - max), and lse(z) - y = log sum - (y - max): for
    // y = z_y (a log-probability) y - max is exact near 0 and the two terms have opposite signs in
    // the difference, so nothing cancels; y - (max + log sum) would first round max + log sum to
    // the ulp of max (~1e-6 for |z| ~ 20)
    const split = logProbabilityOperands(ctx.node);
    if (split) {
      const [y, z] = ctx.args as [Lowered, Lowered];
      const { max, sum } = ctx.classStats(z);
      const logSum = ctx.emit('Log', [sum], {}, 'logClassSum');
      const centred = ctx.emit('Sub', [ctx.float(y), max]);
      return { name: ctx.emit('Sub', split.lseFirst ? [logSum, centred] : [centred, logSum]), phys: unionPhys([y, { name: max, phys: minusRoles(z.phys, ['class']) }]) };
    }
    return elementwise('Sub')(ctx);
  },
  // x * [cond] is Mul by the comparison cast once to float: on ORT CPU, Where costs about five
  // Muls (0.8 ms vs 0.16 ms on 2^20 floats, measured) and the Cast is shared by every use
  mul: elementwise('Mul'),
  div: (ctx) => {
    // 1/x: Reciprocal, no constant operand
    if (constValue(ctx.node.args[0]!) === 1) return { name: ctx.emit('Reciprocal', [ctx.float(ctx.args[1]!)]), phys: ctx.args[1]!.phys };
    return elementwise('Div')(ctx);
  },
  pow: (ctx) => {
    const exponent = constValue(ctx.node.args[1]!);
    const base = ctx.args[0]!;
    // x^-1 = 1/x; x^0.5 and x^2 are simplified to sqrt and square by the core
    if (exponent === -1) return { name: ctx.emit('Reciprocal', [ctx.float(base)]), phys: base.phys };
    return elementwise('Pow')(ctx);
  },
  min: elementwise('Min'),
  max: elementwise('Max'),
  gt: compare('Greater'),
  ge: compare('GreaterOrEqual'),
  lt: compare('Less'),
  le: compare('LessOrEqual'),
  eq: compare('Equal'),
  where: (ctx) => {
    const [c, a, b] = ctx.args as [Lowered, Lowered, Lowered];
    return { name: ctx.emit('Where', [ctx.bool(c), ctx.float(a), ctx.float(b)]), phys: unionPhys([c, a, b]) };
  },
  sum: reduce('ReduceSum'),
  mean: (ctx) => {
    // mean_c(z - logsoftmax z) = log sum_c e^z = max_c z + log sum_c e^(z - max): a per-pixel tensor
    const z = logSumExpOperand(ctx.node);
    if (z && ctx.classNormalization === 'decompose') {
      const x = ctx.args[0]!;
      const { max, sum } = ctx.classStats(x);
      return { name: ctx.emit('Add', [max, ctx.emit('Log', [sum], {}, 'logClassSum')], {}, 'logSumExp'), phys: minusRoles(x.phys, ['class']) };
    }
    if (z) return reduce('ReduceMean')({ ...ctx, args: [ctx.lower(makeNode('sub', [z, logSoftmax(z)]))] });
    return reduce('ReduceMean')(ctx);
  },
  softmax: classNormalize('Softmax'),
  logSoftmax: classNormalize('LogSoftmax'),
  // left to ONNX broadcasting; materialized only for reductions and outputs
  broadcastLike: same,
  sortBy: permute(false),
  unsortBy: permute(true),
  cumsum: (ctx) => alongRoles(ctx, ([x]) => ctx.emit('CumSum', [x!, ctx.axesConstant(-1)])),
  ema: (ctx) => {
    throw new Error(`ema '${ctx.node.attrs.slot}' reached the lowering: call lowerState first (toOnnx does)`);
  },
} satisfies Record<Op, Lowering>;
