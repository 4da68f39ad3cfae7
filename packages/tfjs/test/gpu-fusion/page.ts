// The browser page of the fused GPU kernel tests: each named loss compiled twice (fused, and one
// kernel per op) on the active backend, compared on the same inputs, with the shader programs
// each call launches counted. Node drives it through `window.losskitFusion` (see fusion.test.ts).
import { type Loss, catalogue, paperExperiments, weightedSum } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { compile } from '../../src/index.js';

const experiment = (id: number) => paperExperiments.find((e) => e.id === id)!.build();
export const LOSSES: Record<string, () => Loss> = {
  ...Object.fromEntries([1, 7, 12, 22, 27].map((id) => [`exp ${id}`, () => experiment(id)])),
  'Dice+CE': () => weightedSum('dice+ce', [{ loss: catalogue.dice() }, { loss: catalogue.categoricalCrossEntropy() }]),
  dice: () => catalogue.dice(),
  focal: () => catalogue.focal(),
  tversky: () => catalogue.tversky(),
  l1: () => catalogue.l1(),
};

/** Counts the shader programs the backend runs while f runs (every tfjs webgl/webgpu kernel goes through these). */
export async function countLaunches<T>(f: () => T): Promise<{ result: T; launches: number }> {
  const backend = tf.backend() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const method = 'runWebGPUProgram' in backend ? 'runWebGPUProgram' : 'runWebGLProgram';
  const original = backend[method]!;
  let launches = 0;
  backend[method] = function (this: unknown, ...args: unknown[]) {
    launches++;
    return original.apply(this, args);
  };
  try {
    return { result: f(), launches };
  } finally {
    backend[method] = original;
  }
}

export interface Comparison {
  name: string;
  /** What `explain()` said of the fused call. */
  path: string;
  reason: string;
  /** max |x - reference| / max |reference| of the value and of the gradient, for the fused and the per-op call on this backend; the reference is the per-op call on the cpu backend. */
  fused: { value: number; grad: number };
  perOp: { value: number; grad: number };
  /** Shader programs one call launched. */
  fusedLaunches: number;
  perOpLaunches: number;
  /** Tensors left behind by 3 fused calls whose results were disposed. */
  leaked: number;
  /** webgl: whether the fused call's gradient came back as a packed (RGBA, 2x2 block a texel) texture. */
  gradPacked: boolean;
  error?: string;
}

const relative = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  if (x.length !== y.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Number.isNaN(x[i]!) !== Number.isNaN(y[i]!) ? Number.POSITIVE_INFINITY : Math.abs(x[i]! - y[i]!) || 0);
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
};

export interface CompareSpec {
  names: string[];
  shape: number[];
  layout?: 'NHWC' | 'NCHW';
  targetDtype?: 'float32' | 'int32' | 'bool';
  /** Inputs first read by a packed tfjs kernel, as a model's output is (webgl: stored packed). */
  packedInputs?: boolean;
}

type Run = { value: Float32Array; grad: Float32Array; launches: number; gradPacked: boolean };

/** Whether a tensor is stored packed (webgl's texture data; false elsewhere). */
const isPacked = (t: tf.Tensor) =>
  (tf.backend() as unknown as { texData?: { get(id: object): { isPacked?: boolean } | undefined } }).texData?.get(t.dataId)?.isPacked === true;
/** One valueAndGrad call of a fresh compiled loss on the active backend; the arrays are its results. */
async function run(loss: Loss, fuse: boolean, layout: 'NHWC' | 'NCHW', pred: tf.Tensor, target: tf.Tensor, repeat: number) {
  const compiled = compile(loss, { layout, checkFinite: false, fuse });
  try {
    let last: Run | undefined;
    let path = '';
    let reason = '';
    const before = tf.memory().numTensors;
    for (let i = 0; i < repeat; i++) {
      const { result, launches } = await countLaunches(() => compiled.valueAndGrad({ pred, target }, { training: false }));
      const gradPacked = isPacked(result.grads.pred!);
      last = { value: (await result.value.data()) as Float32Array, grad: (await result.grads.pred!.data()) as Float32Array, launches, gradPacked };
      ({ path, reason } = compiled.explain());
      tf.dispose([result.value, result.grads.pred!]);
    }
    return { ...last!, path, reason, leaked: tf.memory().numTensors - before };
  } finally {
    compiled.dispose();
  }
}

const api = {
  async useBackend(name: string) {
    try {
      const ok = await tf.setBackend(name);
      await tf.ready();
      return { ok, backend: tf.getBackend() };
    } catch (error) {
      return { ok: false, backend: tf.getBackend(), error: String(error) };
    }
  },
  async compare({ names, shape, layout = 'NHWC', targetDtype = 'float32', packedInputs = false }: CompareSpec): Promise<Comparison[]> {
    const backend = tf.getBackend();
    const classAxis = layout === 'NHWC' ? shape.length - 1 : 1;
    // the inputs as plain arrays made on cpu (a synchronous read on webgpu loses the device), so
    // the cpu reference sees the same numbers
    await tf.setBackend('cpu');
    const predData = tf.tidy(() => tf.randomNormal(shape, 0, 1.5, 'float32', 1).dataSync());
    const targetData = tf.tidy(() => {
      // one class: a binary mask (tfjs's oneHot needs 2 classes or more)
      if (shape[classAxis] === 1) return tf.cast(tf.greater(tf.randomUniform(shape, 0, 1, 'float32', 2), 0.5), 'float32').dataSync();
      const hot = tf.oneHot(tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 2), classAxis), shape[classAxis]!);
      const placed = layout === 'NHWC' ? hot : tf.transpose(hot, [0, shape.length - 1, ...shape.slice(2).map((_, i) => i + 1)]);
      return placed.dataSync();
    });
    // the cpu references first: one backend switch per comparison, not one per loss
    const references = new Map<string, Run>();
    for (const name of names)
      references.set(name, await run(LOSSES[name]!(), false, layout, tf.tensor(predData, shape), tf.tensor(targetData, shape, 'float32'), 1));
    await tf.setBackend(backend);
    const out: Comparison[] = [];
    for (const name of names) {
      try {
        const cpu = references.get(name)!;
        const pred = tf.tensor(predData, shape);
        const target = tf.tensor(targetData, shape, targetDtype);
        // a binary op is a packed kernel on webgl: its first read uploads both inputs packed
        if (packedInputs) tf.tidy(() => tf.add(pred, tf.cast(target, 'float32')));
        // three calls: the first compiles the shaders; the last is counted
        const fused = await run(LOSSES[name]!(), true, layout, pred, target, 3);
        const perOp = await run(LOSSES[name]!(), false, layout, pred, target, 1);
        tf.dispose([pred, target]);
        out.push({
          name,
          path: fused.path,
          reason: fused.reason,
          fused: { value: relative(fused.value, cpu.value), grad: relative(fused.grad, cpu.grad) },
          perOp: { value: relative(perOp.value, cpu.value), grad: relative(perOp.grad, cpu.grad) },
          fusedLaunches: fused.launches,
          perOpLaunches: perOp.launches,
          leaked: fused.leaked,
          gradPacked: fused.gradPacked,
        });
      } catch (error) {
        const nan = { value: Number.NaN, grad: Number.NaN };
        out.push({ name, path: '?', reason: '', fused: nan, perOp: nan, fusedLaunches: 0, perOpLaunches: 0, leaked: 0, gradPacked: false, error: String((error as Error)?.stack ?? error) });
      }
    }
    return out;
  },
  numTensors: () => tf.memory().numTensors,
};
export type FusionPageApi = typeof api;
(globalThis as unknown as { losskitFusion: FusionPageApi }).losskitFusion = api;
