import { type Node, postOrder, topoSort } from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AxisMap, type Layout, shapeFor } from './layout.js';
import { FusedProgram } from './fusion/fused-program.js';
import { GpuFallback } from './fusion/gpu/run.js';
import { type FusionTargetName, activeTarget } from './fusion/target.js';
import { CONDITIONS, LOWERINGS, type Lowering, type LoweringContext } from './lowerings.js';

/**
 * An op that has no lowering in the table a `Program` was built with (names the op).
 *
 * @example
 * ```ts
 * import { exp, input } from '@losskit/core';
 * import { LOWERINGS, Program, UnsupportedOpError } from '@losskit/tfjs';
 * try {
 *   new Program([exp(input('x'))], { ...LOWERINGS, exp: undefined });
 * } catch (error) {
 *   if (error instanceof UnsupportedOpError) console.error(error.message);
 * }
 * ```
 */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
}

/**
 * What a run binds: the axis map of this call, the leaves, the cached constants.
 *
 * @example
 * ```ts
 * import { type Binding } from '@losskit/tfjs';
 * declare const binding: Binding; // built by compile() for each call
 * binding.scalar(0.5); // a cached scalar tensor
 * ```
 */
export interface Binding {
  readonly axes: AxisMap;
  leaf(node: Node): tf.Tensor;
  scalar(value: number): tf.Tensor;
  classVector(values: readonly number[]): tf.Tensor;
  stopGradient(x: tf.Tensor): tf.Tensor;
  /** A comparison as bool; under tfjs autodiff it must be opaque to the tape (tfjs has no gradient for it). */
  compare(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/**
 * Which path the last run of a program took and why.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { compile, type FusionExplanation } from '@losskit/tfjs';
 * const loss = compile(catalogue.dice());
 * loss.value({ pred: tf.ones([1, 2, 2, 2]), target: tf.ones([1, 2, 2, 2]) });
 * const how: FusionExplanation = loss.explain(); // e.g. { path: 'js', backend: 'cpu', fusedKernels: 4, reason: ... }
 * ```
 */
export interface FusionExplanation {
  /** The tfjs backend of the call. */
  readonly backend: string;
  /** 'js' / 'wgsl' / 'glsl': fused kernels rendered for that target; 'per-op': one tfjs kernel per op. */
  readonly path: FusionTargetName | 'per-op';
  /** Generated kernels the call dispatched (0 for per-op); cutting the roots out of them may add a few tfjs kernels. */
  readonly fusedKernels: number;
  readonly reason: string;
}

/**
 * Several roots lowered together with one memo table: the core graph is interned, so a node
 * shared by the value, the gradients and the next state is computed once per run.
 *
 * @example
 * ```ts
 * import { exp, input } from '@losskit/core';
 * import { Program } from '@losskit/tfjs';
 * const program = new Program([exp(input('x'))]); // fails here, naming the op, if one has no lowering
 * ```
 */
export class Program {
  readonly roots: readonly Node[];

  /**
   * @param fuse run elementwise chains and their reductions as generated loops, one tfjs kernel
   *   each, on the backends that allow it (cpu, wasm; default true). Ops whose lowering `table`
   *   replaces are never fused.
   */
  constructor(roots: readonly Node[], table: Partial<Record<string, Lowering>> = LOWERINGS, fuse = true) {
    this.roots = roots;
    this.fuse = fuse;
    for (const node of topoSort(roots))
      if (!table[node.op])
        throw new UnsupportedOpError(
          `@losskit/tfjs has no lowering for op '${node.op}' (${node.attrs.name === undefined ? node.op : `${node.op} '${node.attrs.name}'`}); ` +
            `rewrite the expression with supported ops or add a lowering for '${node.op}'`,
        );
    this.table = table;
  }

  private readonly table: Partial<Record<string, Lowering>>;
  private fuse: boolean;
  private readonly fused = new Map<string, FusedProgram>();
  /** Targets this program cannot use, and why (found on a first run). */
  private readonly blocked = new Map<FusionTargetName, string>();
  /** How the last run went (see `FusionExplanation`). */
  lastRun: FusionExplanation | undefined;

  /**
   * The fused form for a layout and target, built on first use. Class reductions are staged (run
   * inside a per-pixel class loop) where the target can: JavaScript loops need class to be the
   * innermost axis (NHWC); a GPU thread loops over class at any stride.
   */
  private fusedProgram(layout: Layout, target: FusionTargetName): FusedProgram {
    const staged = target !== 'js' || layout === 'NHWC';
    const key = `${layout}:${staged}`;
    let f = this.fused.get(key);
    if (!f) {
      f = new FusedProgram(this.roots, (op) => this.table[op] === LOWERINGS[op], staged);
      this.fused.set(key, f);
    }
    return f;
  }

  /** The physical tensors of the roots (lazy broadcasts not expanded). Call inside tf.tidy. */
  run(binding: Binding): tf.Tensor[] {
    const memo = new Map<Node, tf.Tensor>();
    const conditions = new Map<Node, tf.Tensor>();
    const ctx: LoweringContext = {
      axes: binding.axes,
      leaf: (n) => binding.leaf(n),
      scalar: (v) => binding.scalar(v),
      classVector: (v) => binding.classVector(v),
      stopGradient: (x) => binding.stopGradient(x),
      compare: (f, a, b) => binding.compare(f, a, b),
      value: (node) => {
        const found = memo.get(node);
        if (found) return found;
        // arguments first, in dependency order, so each lowering finds its arguments memoized and a
        // deep chain never recurses through the lowerings
        for (const n of postOrder([node], (m) => demandedArgs(m).filter((a) => !memo.has(a))))
          if (!memo.has(n)) memo.set(n, this.table[n.op]!(n, ctx));
        return memo.get(node)!;
      },
      condition: (node) => {
        let t = conditions.get(node);
        if (!t) {
          const direct = CONDITIONS[node.op];
          t = direct
            ? binding.compare(direct, ctx.value(node.args[0]!), ctx.value(node.args[1]!))
            : tf.notEqual(ctx.value(node), binding.scalar(0)); // nonzero is true
          conditions.set(node, t);
        }
        return t;
      },
    };
    const backend = tf.getBackend();
    const choice = this.fuse ? activeTarget() : { reason: 'fusion is off (fuse: false)' };
    let reason = 'reason' in choice ? choice.reason : '';
    if ('target' in choice) {
      const fused = this.fusedProgram(binding.axes.layout, choice.target);
      const gap = choice.target === 'js' ? undefined : fused.gpuGap;
      if (gap) this.blocked.set(choice.target, gap);
      reason = this.blocked.get(choice.target) ?? '';
      if (!this.blocked.has(choice.target))
        try {
          const outs = fused.run(binding.axes, ctx.value, ctx.scalar, choice.target);
          this.lastRun = { backend, path: choice.target, fusedKernels: fused.kernelCount(choice.target), reason: `backend '${backend}' runs ${choice.target} fused kernels` };
          return outs;
        } catch (error) {
          // generated JavaScript needs `new Function`; where a content security policy forbids it, one kernel per op
          if (error instanceof EvalError) this.fuse = false;
          else if (error instanceof GpuFallback) this.blocked.set(choice.target, error.message);
          else throw error;
          reason = error instanceof EvalError ? `generated JavaScript may not run here (${error.message})` : `the ${choice.target} target cannot run this loss: ${error.message}`;
        }
      else reason = `the ${choice.target} target cannot run this loss: ${reason}`;
    }
    this.lastRun = { backend, path: 'per-op', fusedKernels: 0, reason };
    return this.roots.map((r) => ctx.value(r));
  }
}

/**
 * The nodes a lowering reads through `ctx.value`: its arguments, except that a where reads its
 * condition through `ctx.condition`, which reads a comparison's operands (not the comparison's
 * 0/1 value) and any other condition's value.
 */
function demandedArgs(node: Node): readonly Node[] {
  if (node.op !== 'where') return node.args;
  const [condition, a, b] = node.args as [Node, Node, Node];
  return [...(CONDITIONS[condition.op] ? condition.args : [condition]), a, b];
}

/**
 * A physical tensor at the full shape of the roles its node spans (expands lazy broadcasts).
 *
 * @example
 * ```ts
 * import { input } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { materialize } from '@losskit/tfjs';
 * const axes = { layout: 'NHWC' as const, rank: 4, spatialDims: [2, 2], sizes: { batch: 1, class: 3, spatial: 4 } };
 * const full = materialize(tf.ones([1, 1, 1, 3]), input('x'), axes); // [1, 2, 2, 3]
 * ```
 */
export function materialize(t: tf.Tensor, node: Node, axes: AxisMap): tf.Tensor {
  const shape = shapeFor(axes, node.roles);
  if (t.shape.length === shape.length && t.shape.every((n, i) => n === shape[i])) return t;
  const ranked = t.rank === 0 && shape.length > 0 ? tf.reshape(t, new Array<number>(shape.length).fill(1)) : t;
  return tf.broadcastTo(ranked, shape);
}
