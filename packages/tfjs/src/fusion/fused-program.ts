import type { Node, Op } from '@losskit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type AxisMap, roleAxes, shapeFor } from '../layout.js';
import { type Cluster, cluster } from './clusters.js';
import { type Kernel, type LoopPattern, compileKernel, kernelSource } from './targets/js.js';
import { type FusedNode, toFusedGraph } from './graph.js';
import { runGpu } from './gpu/run.js';
import { runFused } from './kernel.js';
import { GPU_TARGETS, type FusionTargetName } from './target.js';
import { gpuCanExpress } from './targets/gpu-ops.js';

/** A loop nest for one set of port shapes: its pattern, loop sizes and strides. */
interface Loops {
  readonly pattern: LoopPattern;
  readonly sizes: number[];
  readonly strides: number[];
}

/** The longest innermost loop that is unrolled. */
const MAX_UNROLL = 8;

const contiguousStrides = (shape: readonly number[]) => shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));

/**
 * The loops over `shape` (the cluster's full shape) for ports of `portShapes` (each rank 0 or of
 * the same rank, size 1 or equal along every axis): size-1 axes are dropped and neighbouring axes
 * merged when every port varies along both or along neither. `innerAxis` (a staged cluster's
 * class axis, the last) is always the innermost loop of its own.
 */
function loopsFor(shape: readonly number[], portShapes: readonly (readonly number[])[], innerAxis?: number): Loops {
  const varies = (port: readonly number[], axis: number) => port.length > 0 && port[axis]! > 1;
  const groups: number[][] = [];
  shape.forEach((n, axis) => {
    if (n === 1 || axis === innerAxis) return;
    const last = groups.at(-1);
    const prev = last?.at(-1);
    if (last && prev !== undefined && portShapes.every((p) => varies(p, prev) === varies(p, axis))) last.push(axis);
    else groups.push([axis]);
  });
  if (innerAxis !== undefined) groups.push([innerAxis]); // its own loop, even of size 1: the stage loops run over it
  const strides = portShapes.map(contiguousStrides);
  const sizes = groups.map((g) => g.reduce((p, a) => p * shape[a]!, 1));
  const inner = sizes.at(-1);
  return {
    pattern: {
      loops: groups.length,
      masks: portShapes.map((p) => groups.reduce((m, g, k) => (varies(p, g[0]!) ? m | (1 << k) : m), 0)),
      // a short innermost loop under outer loops (NHWC classes) is unrolled: no per-pixel loop branches
      ...(inner !== undefined && groups.length > 1 && inner <= MAX_UNROLL ? { unroll: inner } : {}),
    },
    sizes,
    strides: portShapes.flatMap((p, q) => groups.map((g) => (varies(p, g[0]!) ? strides[q]![g.at(-1)!]! : 0))),
  };
}

/** A cluster with its kernels, one per loop pattern met so far. */
interface CompiledCluster {
  readonly cluster: Cluster;
  readonly kernels: Map<string, { kernel: Kernel; sizes: readonly FusedNode[] }>;
}

/**
 * Roots computed by fused kernels: elementwise chains, and the reductions over them, become one
 * generated kernel per cluster (see `cluster`) instead of one tfjs kernel per op. The plan is the
 * same on every backend; a target renders it: JavaScript loops on cpu/wasm (targets/js.ts), WGSL
 * on webgpu (targets/wgsl.ts), GLSL on webgl (targets/glsl.ts). Leaves come from the unfused lowering.
 */
export class FusedProgram {
  private readonly roots: readonly FusedNode[];
  private readonly clusters: readonly CompiledCluster[];

  /** `classInnermost`: the layout's class axis is its last (NHWC), so class reductions can be staged. */
  constructor(roots: readonly Node[], fusible: (op: Op) => boolean, classInnermost: boolean) {
    this.roots = toFusedGraph(roots, fusible);
    this.clusters = cluster(this.roots, classInnermost).map((c) => ({ cluster: c, kernels: new Map() }));
  }

  /** The plan of each GPU target (the shared clusters as that target runs them), built on first use. */
  private readonly gpuPlans = new Map<FusionTargetName, readonly Cluster[]>();
  private gpuPlan(target: Exclude<FusionTargetName, 'js'>): readonly Cluster[] {
    let plan = this.gpuPlans.get(target);
    if (!plan) {
      plan = GPU_TARGETS[target === 'wgsl' ? 'webgpu' : 'webgl']!.plan(this.clusters.map((c) => c.cluster), this.roots);
      this.gpuPlans.set(target, plan);
    }
    return plan;
  }

  /** How many fused kernels one run on `target` dispatches. */
  kernelCount(target: FusionTargetName = 'js'): number {
    return target === 'js' ? this.clusters.length : this.gpuPlan(target).length;
  }

  /** An op the GPU targets have no code for, if any (then GPU backends run one kernel per op). */
  get gpuGap(): string | undefined {
    const op = this.clusters.flatMap((c) => c.cluster.nodes).find((n) => n.kind === 'map' && !gpuCanExpress(n.op))?.op;
    return op === undefined ? undefined : `op '${op}' has no GPU code`;
  }

  /** The roots' tensors; `external` computes the leaves (call inside tf.tidy). */
  run(axes: AxisMap, external: (node: Node) => tf.Tensor, scalar: (value: number) => tf.Tensor, target: FusionTargetName = 'js'): tf.Tensor[] {
    if (target !== 'js')
      return runGpu(GPU_TARGETS[target === 'wgsl' ? 'webgpu' : 'webgl']!, this.gpuPlan(target), this.roots, axes, external, scalar);
    const values = new Map<FusedNode, tf.Tensor>();
    const count = (n: FusedNode) => n.over!.reduce((p, r) => p * axes.sizes[r], 1);
    const tensor = (n: FusedNode): tf.Tensor => {
      if (n.kind === 'literal') return scalar(n.value!);
      if (n.kind === 'size') return scalar(count(n));
      if (n.kind === 'external') return external(n.source!);
      return values.get(n)!;
    };
    for (const { cluster: c, kernels } of this.clusters) {
      const inputs = c.inputs.map(tensor);
      const shape = shapeFor(axes, c.roles);
      const outputShapes = c.outputs.map((o) => shapeFor(axes, o.roles));
      inputs.forEach((t, i) => {
        if (t.rank !== 0 && (t.rank !== shape.length || t.shape.some((n, a) => n !== 1 && n !== shape[a])))
          throw new Error(`fused kernel: input ${i} of shape [${t.shape}] does not broadcast to [${shape}]`);
      });
      const loops = loopsFor(shape, [...inputs.map((t) => t.shape), ...outputShapes], c.staged ? roleAxes(axes, 'class')[0] : undefined);
      const key = `${loops.pattern.loops}:${loops.pattern.masks.join(',')}:${loops.pattern.unroll ?? ''}`;
      let compiled = kernels.get(key);
      if (!compiled) {
        const { source, sizes } = kernelSource(c, loops.pattern);
        compiled = { kernel: compileKernel(source), sizes };
        kernels.set(key, compiled);
      }
      const { kernel, sizes } = compiled;
      const z = sizes.map(count);
      const outs = runFused(inputs, {
        outputShapes,
        run: (x, y) => kernel(x, y, loops.sizes, loops.strides, z),
      });
      c.outputs.forEach((o, i) => {
        values.set(o, outs[i]!);
      });
    }
    return this.roots.map(tensor);
  }
}
