import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { initialValues } from './init.js';
import { type Model, type ModelConfig, createModel, parameterCount } from './model.js';
import { numel } from './tape.js';
import { type TrainingLoss, buildEvalGraph, buildGradientGraph, buildTrainingStep } from './training-step.js';
import { crossEntropy, softDice } from './testing/losses.js';
import { shapesBatch } from './synthetic-shapes.js';
import { add, mul } from '@losskit/core';

const float = (data: Float32Array, shape: readonly number[]) => new ort.Tensor('float32', data, [...shape]);

/**
 * Whole-graph check: for each parameter tensor, the analytic gradient of its element with the
 * largest |gradient| vs the central difference of the float32 loss. ORT has Conv only in float32,
 * so the loss carries ~1e-7 relative noise; the network is only piecewise smooth (ReLU, max-pool),
 * so a large step crosses kinks. Step 3e-4 balances the two; the tolerance is 5% + 3e-4.
 */
async function elementCheck(model: Model, loss: TrainingLoss, size: number, batch: number) {
  const graph = buildGradientGraph(model, loss, { batch, height: size, width: size });
  const session = await ort.InferenceSession.create(graph.bytes, { logSeverityLevel: 3 });
  const data = shapesBatch(batch, size, 3);
  const weights = new Map(model.parameters.map((p) => [p.name, initialValues(p, 11)]));
  const feeds: Record<string, ort.Tensor> = {
    [graph.images]: float(data.images, data.shape),
    [graph.labels]: new ort.Tensor('int32', data.labels as Int32Array, [batch, size, size]),
  };
  for (const b of model.buffers) feeds[graph.buffers.get(b.name)!] = float(new Float32Array(numel(b.shape)).fill(b.init === 'ones' ? 1 : 0), b.shape);
  for (const [, input] of graph.lossState) feeds[input] = float(new Float32Array(1), []);
  const setWeights = () => {
    for (const p of model.parameters) feeds[graph.parameters.get(p.name)!] = float(weights.get(p.name)!, p.shape);
  };
  setWeights();
  const base = await session.run(feeds);
  const rows: { name: string; analytic: number; numeric: number }[] = [];
  const step = 3e-4;
  for (const p of model.parameters) {
    const w = weights.get(p.name)!;
    const grad = base[graph.gradients.get(p.name)!]!.data as Float32Array;
    let k = 0;
    for (let i = 1; i < w.length; i++) if (Math.abs(grad[i]!) > Math.abs(grad[k]!)) k = i;
    const original = w[k]!;
    const lossAt = async (delta: number) => {
      w[k] = original + delta;
      const actual = w[k]! - original;
      setWeights();
      return { value: Number((await session.run(feeds, [graph.loss]))[graph.loss]!.data[0]), actual };
    };
    const up = await lossAt(step);
    const down = await lossAt(-step);
    w[k] = original;
    rows.push({ name: `${p.name}[${k}]`, analytic: grad[k]!, numeric: (up.value - down.value) / (up.actual - down.actual) });
  }
  setWeights();
  await session.release();
  return rows;
}

const tolerance = { rtol: 5e-2, atol: 3e-4 };

describe('whole-graph gradients vs finite differences', () => {
  const cases: { name: string; config: ModelConfig; loss: TrainingLoss; size: number; batch: number }[] = [
    {
      name: 'tiny U-Net (depth 2, transposed-conv upsampling, batch norm), cross-entropy',
      config: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 4 },
      loss: crossEntropy(),
      size: 8,
      batch: 2,
    },
    {
      name: 'tiny U-Net (bilinear upsampling, no batch norm), cross-entropy + soft Dice',
      config: { kind: 'unet', numClasses: 3, depth: 1, baseWidth: 4, upsampling: 'bilinear', batchNorm: false },
      loss: add(crossEntropy(), mul(0.5, softDice())),
      size: 8,
      batch: 2,
    },
    {
      name: 'tiny FCN-8s (batch norm, bilinear score upsampling), cross-entropy',
      config: { kind: 'fcn', numClasses: 3, baseWidth: 2, variant: '8s' },
      loss: crossEntropy(),
      size: 32,
      batch: 4,
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const rows = await elementCheck(createModel(c.config), c.loss, c.size, c.batch);
      expect(rows.length).toBe(createModel(c.config).parameters.length);
      const bad = rows.filter((r) => Math.abs(r.analytic - r.numeric) > tolerance.atol + tolerance.rtol * Math.abs(r.numeric));
      expect(bad).toEqual([]);
      // the check is not vacuous: most directions have a clearly nonzero derivative
      expect(rows.filter((r) => Math.abs(r.numeric) > 10 * tolerance.atol).length).toBeGreaterThan(rows.length / 2);
    }, 60_000);
});

describe('graph building', () => {
  it('builds and runs a step for every model variant', async () => {
    const configs: ModelConfig[] = [
      { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 2, upsampling: 'nearest', dropout: 0.3 },
      { kind: 'fcn', numClasses: 2, baseWidth: 2, variant: '32s', upsampling: 'transposed' },
      { kind: 'fcn', numClasses: 2, baseWidth: 2, variant: '16s', batchNorm: false },
    ];
    for (const config of configs) {
      const model = createModel(config);
      expect(parameterCount(model)).toBeGreaterThan(0);
      const size = model.sizeMultiple;
      const graph = buildTrainingStep(model, crossEntropy(), { kind: 'sgd' }, { batch: 1, height: size, width: size });
      const session = await ort.InferenceSession.create(graph.bytes, { logSeverityLevel: 3 });
      const data = shapesBatch(1, size, 1);
      const feeds: Record<string, ort.Tensor> = {
        [graph.images]: float(data.images, data.shape),
        [graph.labels]: new ort.Tensor('int32', data.labels as Int32Array, [1, size, size]),
        [graph.learningRate]: float(Float32Array.of(0.1), []),
        [graph.step]: float(Float32Array.of(1), []),
      };
      for (const p of model.parameters) feeds[graph.parameters.get(p.name)!.input] = float(initialValues(p, 1), p.shape);
      for (const [, v] of [...graph.buffers, ...graph.optimizerState]) feeds[v.input] = float(new Float32Array(numel(v.shape)).fill(1), v.shape);
      for (const d of graph.dropouts) feeds[d.input] = float(new Float32Array(numel(d.shape)).fill(1), d.shape);
      const out = await session.run(feeds);
      expect(Number.isFinite(Number(out[graph.loss]!.data[0]))).toBe(true);
      const counts = out[graph.confusion]!.data as Float32Array;
      expect(counts.reduce((a, b) => a + b, 0)).toBe(size * size);
      await session.release();
      expect(buildEvalGraph(model, { batch: 2, height: size, width: size }).bytes.length).toBeGreaterThan(0);
    }
  });

  it('rejects image sizes the model cannot take, naming the rule', () => {
    const model = createModel({ kind: 'unet', numClasses: 2, depth: 3 });
    expect(() => buildEvalGraph(model, { batch: 1, height: 12, width: 16 })).toThrow(/multiples of 8/);
    expect(() => createModel({ kind: 'unet', numClasses: 1 })).toThrow(/numClasses must be an integer >= 2/);
  });
});
