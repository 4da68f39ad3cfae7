// The browser page of the GPU benchmark (gpu.ts): compiled loss value + gradient vs the same loss
// by hand (tf ops + tf.valueAndGrad) on the active backend, interleaved in one page.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { compile } from '../src/index.js';
import { countLaunches } from '../test/gpu-fusion/page.js';
import { HAND, LOSSES, agreement } from './losses.js';

export interface GpuRow {
  backend: string;
  loss: string;
  elements: number;
  /** Median milliseconds per value+gradient call (results read back with `await data()`). */
  hand: number;
  compiled: number;
  handLaunches: number;
  compiledLaunches: number;
  path: string;
  rounds: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const api = {
  async useBackend(name: string) {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return { ok, backend: tf.getBackend() };
  },
  async measure(name: string, shape: number[], budgetMs: number, minRounds: number): Promise<GpuRow> {
    const elements = shape.reduce((a, b) => a * b, 1);
    // the data made on cpu and uploaded as float32 (tfjs-webgpu's cast of an int32 one-hot only
    // relabels its i32 buffer, which tf ops then misread)
    const backend = tf.getBackend();
    await tf.setBackend('cpu');
    const [predData, targetData] = tf.tidy(() => [
      tf.randomNormal(shape, 0, 1.5, 'float32', 1).dataSync(),
      tf.oneHot(tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 2), -1), shape.at(-1)!).dataSync(),
    ]);
    await tf.setBackend(backend);
    const pred = tf.tensor(predData!, shape, 'float32');
    const target = tf.tensor(Float32Array.from(targetData!), shape, 'float32');
    const loss = compile(LOSSES[name]!, { checkFinite: false });
    const handGrad = tf.valueAndGrad((p: tf.Tensor) => HAND[name]!(p, target));
    const runHand = () => {
      const { value, grad } = handGrad(pred);
      return [value, grad];
    };
    const runCompiled = () => {
      const { value, grads } = loss.valueAndGrad({ pred, target }, { training: false });
      return [value, grads.pred!];
    };
    /** One call, its results read back (the GPU work done), then freed. */
    const timed = async (f: () => tf.Tensor[]) => {
      const start = performance.now();
      const out = f();
      for (const t of out) await t.data();
      const ms = performance.now() - start;
      tf.dispose(out);
      return ms;
    };
    try {
      // same numbers first: the hand-written twin must compute the same loss and gradient
      const [hv, hg] = runHand();
      const [cv, cg] = runCompiled();
      const [h0, c0] = [(await hv!.data())[0]!, (await cv!.data())[0]!];
      const dv = Math.abs(h0 - c0) / Math.abs(h0);
      const dg = (await tf.max(tf.abs(tf.sub(hg!, cg!))).data())[0]! / (await tf.max(tf.abs(hg!)).data())[0]!;
      tf.dispose([hv!, hg!, cv!, cg!]);
      const tolerance = agreement(name);
      if (!(dv < tolerance.value && dg < tolerance.gradient))
        throw new Error(`${name}: hand-written and compiled disagree (value ${dv}, gradient ${dg}; hand ${h0}, compiled ${c0})`);
      // launches of a steady-state call (the first calls also upload inputs and compile shaders)
      tf.dispose([...runHand(), ...runCompiled()]);
      const handLaunches = (await countLaunches(() => tf.dispose(runHand()))).launches;
      const compiledLaunches = (await countLaunches(() => tf.dispose(runCompiled()))).launches;
      const path = loss.explain().path;
      const hand: number[] = [];
      const compiled: number[] = [];
      const begin = performance.now();
      // interleaved rounds, so both see the same machine load
      while (hand.length < minRounds || (performance.now() - begin < budgetMs && hand.length < 15)) {
        hand.push(await timed(runHand));
        compiled.push(await timed(runCompiled));
      }
      return { backend: tf.getBackend(), loss: name, elements, hand: median(hand), compiled: median(compiled), handLaunches, compiledLaunches, path, rounds: hand.length };
    } finally {
      loss.dispose();
      tf.dispose([pred, target]);
    }
  },
};
export type GpuBenchApi = typeof api;
(globalThis as unknown as { losskitBench: GpuBenchApi }).losskitBench = api;
