import type { Node } from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AxisMap, roleAxes, shapeFor } from '../../layout.js';
import type { Cluster } from '../clusters.js';
import type { FusedNode } from '../graph.js';
import { type GpuLaunch, runFused } from '../kernel.js';
import { type GpuCall, type Port, type Sink, isClassReduction } from './linearize.js';

/** A GPU target: how many partial results a reduction leaves, what it cannot run, how it launches one cluster call. */
export interface GpuTarget {
  readonly name: 'wgsl' | 'glsl';
  /** The shared plan as this target runs it (see `recomputeElementwise`). */
  plan(clusters: readonly Cluster[], roots: readonly FusedNode[]): readonly Cluster[];
  partialCount(pixels: number, reducesPixels: boolean): number;
  unsupported(call: GpuCall): string | undefined;
  /** `rootsOnly`: no later kernel reads this call's outputs (only the caller gets them). */
  launch(call: GpuCall, inputs: number, rootsOnly: boolean): GpuLaunch;
  /** An external tensor as this target's kernels read it, made once per call (webgl: unpacked). */
  prepare?(t: tf.Tensor): tf.Tensor;
}

/** A cluster call this target cannot express; the loss runs one kernel per op (explain() says why). */
export class GpuFallback extends Error {
  override name = 'GpuFallback';
}

/** Where a cluster output lives: the packed output of its kernel, at an offset. */
interface Location {
  readonly tensor: tf.Tensor;
  readonly sink: Sink;
  readonly partialCount: number;
  readonly node: FusedNode;
}

const contiguous = (shape: readonly number[]) => shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));
/** Strides of a tensor of `shape` read at the layout's rank: 0 along size-1 axes (broadcast) and for a scalar. */
const stridesOf = (shape: readonly number[], rank: number) =>
  shape.length === 0 ? new Array<number>(rank).fill(0) : contiguous(shape).map((s, a) => (shape[a] === 1 ? 0 : s));
const fullRank = (shape: readonly number[], rank: number) => (shape.length === 0 ? new Array<number>(rank).fill(1) : [...shape]);


/**
 * A cluster at the sizes of one call: its thread space (one thread per pixel, the class axis
 * collapsed), and where each output goes in its packed output.
 */
export function planCall(c: Cluster, axes: AxisMap, ports: readonly Port[], target: Pick<GpuTarget, 'partialCount'>): GpuCall {
  const rank = axes.rank;
  const classAxis = roleAxes(axes, 'class')[0]!;
  const count = (n: FusedNode) => n.over!.reduce((p, r) => p * axes.sizes[r], 1);
  const shape = fullRank(shapeFor(axes, c.roles), rank);
  const spansClass = c.roles.includes('class');
  const pixelShape = shape.map((n, a) => (a === classAxis && spansClass ? 1 : n));
  const pixels = pixelShape.reduce((p, n) => p * n, 1);
  const reducesPixels = c.outputs.some((o) => o.kind === 'reduce' && !isClassReduction(o));
  const partialCount = target.partialCount(pixels, reducesPixels);
  let total = 0;
  const sinks: Sink[] = c.outputs.map((o) => {
    const oshape = fullRank(shapeFor(axes, o.roles), rank);
    const size = oshape.reduce((p, n) => p * n, 1);
    const kind = o.kind === 'reduce' && !isClassReduction(o) ? 'partials' : 'store';
    const sink: Sink = { node: o, offset: total, kind, strides: stridesOf(oshape, rank), size, shape: oshape };
    total += kind === 'store' ? size : size * partialCount;
    return sink;
  });
  const call: GpuCall = {
    cluster: c,
    rank,
    classAxis: spansClass ? classAxis : -1,
    classCount: spansClass ? shape[classAxis]! : 1,
    pixelShape,
    pixels,
    ports,
    sinks,
    partialCount,
    total,
    sizeOf: count,
  };
  return call;
}

/**
 * Runs the clusters of a fused graph as GPU kernels, one per cluster: each writes its outputs into
 * one packed 1-D float32 tensor, and later kernels read them there (a reduction as its partial
 * results). The roots are cut out of the packed tensors at the end.
 */
export function runGpu(
  target: GpuTarget,
  clusters: readonly Cluster[],
  roots: readonly FusedNode[],
  axes: AxisMap,
  external: (node: Node) => tf.Tensor,
  scalar: (value: number) => tf.Tensor,
): tf.Tensor[] {
  const rank = axes.rank;
  const count = (n: FusedNode) => n.over!.reduce((p, r) => p * axes.sizes[r], 1);
  const locations = new Map<FusedNode, Location>();
  const prepared = new Map<Node, tf.Tensor>();
  const input = (node: Node) => {
    let t = prepared.get(node);
    if (!t) {
      t = external(node);
      t = target.prepare?.(t) ?? t;
      prepared.set(node, t);
    }
    return t;
  };

  clusters.forEach((c, i) => {
    const tensors: tf.Tensor[] = [];
    const bind = (t: tf.Tensor) => {
      const i = tensors.indexOf(t);
      return i >= 0 ? i : tensors.push(t) - 1;
    };
    const ports: Port[] = c.inputs.map((n) => {
      if (n.kind === 'external') {
        const t = input(n.source!);
        const shape = fullRank(t.shape, rank);
        if (t.rank !== 0 && t.rank !== rank) throw new Error(`fused kernel: an input of shape [${t.shape}] is not at the layout's rank ${rank}`);
        return { variable: bind(t), offset: 0, strides: stridesOf(t.shape, rank), shape: t.rank === 0 ? [] : shape, flat: false };
      }
      const at = locations.get(n)!;
      const port = { variable: bind(at.tensor), offset: at.sink.offset, strides: at.sink.strides, shape: at.tensor.shape, flat: true };
      return at.sink.kind === 'partials'
        ? { ...port, partials: { count: at.partialCount, stride: at.sink.size, op: n.op as 'sum' | 'max' } }
        : port;
    });
    const call = planCall(c, axes, ports, target);
    const why = target.unsupported(call);
    if (why) throw new GpuFallback(why);
    const rootsOnly = clusters.slice(i + 1).every((later) => later.inputs.every((n) => !c.outputs.includes(n)));
    const [packed] = runFused(tensors, target.launch(call, tensors.length, rootsOnly));
    c.outputs.forEach((o, s) => {
      locations.set(o, { tensor: packed!, sink: call.sinks[s]!, partialCount: call.partialCount, node: o });
    });
  });

  return roots.map((r) => {
    if (r.kind === 'literal') return scalar(r.value!);
    if (r.kind === 'size') return scalar(count(r));
    if (r.kind === 'external') return external(r.source!);
    const { tensor, sink, partialCount } = locations.get(r)!;
    const shape = shapeFor(axes, r.roles);
    if (sink.kind === 'store') {
      const whole = sink.offset === 0 && sink.size === tensor.size;
      return tf.reshape(whole ? tensor : tf.slice(tensor, [sink.offset], [sink.size]), shape);
    }
    // a reduction root: add its partial results (one tfjs reduction)
    const parts = tf.reshape(tf.slice(tensor, [sink.offset], [sink.size * partialCount]), [partialCount, sink.size]);
    return tf.reshape(r.op === 'max' ? tf.max(parts, 0) : tf.sum(parts, 0), shape);
  });
}
