import { GraphBuilder } from '@losskit/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type OptimizerConfig, optimizerRule } from './optimizers.js';
import { Tape } from './tape.js';

/** Float64 reference of each optimizer over several steps. */
function reference(config: OptimizerConfig, w0: number[], grads: number[][], lr: number): number[] {
  const w = [...w0];
  const s1 = w.map(() => 0);
  const s2 = w.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < w.length; i++) {
      if (config.kind === 'sgd') {
        const gi = g[i]! + (config.weightDecay ?? 0) * w[i]!;
        s1[i] = (config.momentum ?? 0.9) * s1[i]! + gi;
        w[i]! -= lr * ((config.momentum ?? 0.9) === 0 ? gi : s1[i]!);
      } else {
        const [b1, b2, eps, wd] = [config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-8, config.weightDecay ?? 0];
        const gi = g[i]! + (config.kind === 'adam' ? wd * w[i]! : 0);
        s1[i] = b1 * s1[i]! + (1 - b1) * gi;
        s2[i] = b2 * s2[i]! + (1 - b2) * gi * gi;
        const mHat = s1[i]! / (1 - b1 ** (t + 1));
        const vHat = s2[i]! / (1 - b2 ** (t + 1));
        w[i] = w[i]! - lr * (mHat / (Math.sqrt(vHat) + eps)) - (config.kind === 'adamw' ? lr * wd * w[i]! : 0);
      }
    }
  });
  return w;
}

async function runGraph(config: OptimizerConfig, w0: number[], grads: number[][], lr: number): Promise<number[]> {
  const rule = optimizerRule(config);
  const tape = new Tape(new GraphBuilder('opt'), 'double');
  const shape = [w0.length];
  const w = tape.input('w', shape);
  const g = tape.input('g', shape);
  const learningRate = tape.input('lr', []);
  const step = tape.input('step', []);
  const slots = rule.slots(config);
  const state = Object.fromEntries(slots.map((s) => [s, tape.input(`s:${s}`, shape)]));
  const out = rule.update(tape, config, w, g, state, { learningRate, step });
  tape.output(out.weight);
  for (const s of slots) tape.output(out.state[s]!);
  const session = await ort.InferenceSession.create(tape.builder.toModel());
  const t = (data: number[], dims: number[]) => new ort.Tensor('float64', Float64Array.from(data), dims);
  let weights = w0;
  let values: Record<string, number[]> = Object.fromEntries(slots.map((s) => [s, w0.map(() => 0)]));
  for (const [k, grad] of grads.entries()) {
    const feeds: Record<string, ort.Tensor> = { w: t(weights, shape), g: t(grad, shape), lr: t([lr], []), step: t([k + 1], []) };
    for (const s of slots) feeds[`s:${s}`] = t(values[s]!, shape);
    const res = await session.run(feeds);
    weights = Array.from(res[out.weight]!.data as Float64Array);
    values = Object.fromEntries(slots.map((s) => [s, Array.from(res[out.state[s]!]!.data as Float64Array)]));
  }
  return weights;
}

describe('optimizers as graph nodes match a float64 reference over 4 steps', () => {
  const configs: OptimizerConfig[] = [
    { kind: 'sgd', momentum: 0 },
    { kind: 'sgd', momentum: 0.9, weightDecay: 0.01 },
    { kind: 'adam' },
    { kind: 'adam', weightDecay: 0.1, beta1: 0.8 },
    { kind: 'adamw', weightDecay: 0.1 },
  ];
  const w0 = [0.5, -1.5, 2, 0.01];
  const grads = [
    [0.1, -0.2, 0.3, 0],
    [0.2, 0.1, -0.5, 1e-3],
    [-0.3, 0.4, 0.1, 2],
    [0.05, -0.05, 0.2, -1],
  ];
  for (const config of configs)
    it(JSON.stringify(config), async () => {
      const got = await runGraph(config, w0, grads, 0.1);
      const want = reference(config, w0, grads, 0.1);
      for (const [i, v] of want.entries()) expect(got[i]).toBeCloseTo(v, 10);
      expect(want.some((v, i) => Math.abs(v - w0[i]!) > 1e-3)).toBe(true);
    });

  it('names the optimizers it knows', () => {
    expect(() => optimizerRule({ kind: 'rmsprop' } as unknown as OptimizerConfig)).toThrow(/unknown optimizer 'rmsprop': expected sgd, adam, adamw/);
  });
});
