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
  path: string;
  reason: string;
  /** max |fused - per-op| / max |per-op| over the value, then over the gradient. */
  value: number;
  grad: number;
  fusedLaunches: number;
  perOpLaunches: number;
  /** The two values, for the record. */
  values: [number, number];
  error?: string;
}

const relative = async (a: tf.Tensor, b: tf.Tensor) => {
  const [x, y] = [await a.data(), await b.data()];
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Number.isNaN(x[i]!) !== Number.isNaN(y[i]!) ? Number.POSITIVE_INFINITY : Math.abs(x[i]! - y[i]!) || 0);
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return x.length !== y.length ? Number.POSITIVE_INFINITY : diff / Math.max(scale, 1e-30);
};

export interface CompareSpec {
  names: string[];
  shape: number[];
  layout?: 'NHWC' | 'NCHW';
  targetDtype?: 'float32' | 'int32' | 'bool';
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
  async compare({ names, shape, layout = 'NHWC', targetDtype = 'float32' }: CompareSpec): Promise<Comparison[]> {
    const classAxis = layout === 'NHWC' ? shape.length - 1 : 1;
    const pred = tf.randomNormal(shape, 0, 1.5, 'float32', 1);
    const target = tf.tidy(() => {
      const hot = tf.oneHot(tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 2), classAxis), shape[classAxis]!);
      const placed = layout === 'NHWC' ? hot : tf.transpose(hot, [0, shape.length - 1, ...shape.slice(2).map((_, i) => i + 1)]);
      return tf.cast(placed, targetDtype);
    });
    const out: Comparison[] = [];
    for (const name of names) {
      const fused = compile(LOSSES[name]!(), { layout, checkFinite: false });
      const perOp = compile(LOSSES[name]!(), { layout, checkFinite: false, fuse: false });
      try {
        // twice: the first call compiles the shaders
        for (let i = 0; i < 2; i++) tf.dispose(Object.values(fused.valueAndGrad({ pred, target }, { training: false })).flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v))));
        const f = await countLaunches(() => fused.valueAndGrad({ pred, target }, { training: false }));
        const how = fused.explain();
        const p = await countLaunches(() => perOp.valueAndGrad({ pred, target }, { training: false }));
        out.push({
          name,
          path: how.path,
          reason: how.reason,
          value: await relative(f.result.value, p.result.value),
          grad: await relative(f.result.grads.pred!, p.result.grads.pred!),
          fusedLaunches: f.launches,
          perOpLaunches: p.launches,
          values: [(await f.result.value.data())[0]!, (await p.result.value.data())[0]!],
        });
        tf.dispose([f.result.value, f.result.grads.pred!, p.result.value, p.result.grads.pred!]);
      } catch (error) {
        out.push({ name, path: '?', reason: '', value: Number.NaN, grad: Number.NaN, fusedLaunches: 0, perOpLaunches: 0, values: [Number.NaN, Number.NaN], error: String((error as Error)?.stack ?? error) });
      } finally {
        fused.dispose();
        perOp.dispose();
      }
    }
    tf.dispose([pred, target]);
    return out;
  },
  numTensors: () => tf.memory().numTensors,
  async probe() {
    const out: Record<string, unknown> = {};
    tf.env().set('WEBGPU_PRINT_SHADER', 'losskit');
    for (const fuse of [false, true]) {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1.5, 'float32', 1);
      const t = tf.cast(tf.oneHot(tf.argMax(tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 2), 3), 3), 'float32');
      const before = (await tf.sum(x).data())[0];
      const loss = compile(LOSSES['exp 1']!(), { checkFinite: false, fuse });
      const v = (await loss.value({ pred: x, target: t }).data())[0];
      const after = (await tf.sum(x).data())[0];
      const v2 = (await loss.value({ pred: x, target: t }).data())[0];
      out[String(fuse)] = { before, v, after, v2, path: loss.explain().path };
    }
    return out;
  },
};
export type FusionPageApi = typeof api;
(globalThis as unknown as { losskitFusion: FusionPageApi }).losskitFusion = api;
