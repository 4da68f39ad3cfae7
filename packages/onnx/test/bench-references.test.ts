import { evaluate, gradient, leaves } from '@losskit/core';
import { compareArrays } from '@losskit/test-utils';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { benchCases, benchData } from '../bench/cases.js';

/** The benchmark's baselines compute the same loss and gradient as the core reference. */
describe('benchmark baselines', () => {
  const [N, C, H, W] = [2, 4, 3, 5];
  const data = benchData(N, C, H * W, 3);
  const tol = { rtol: 2e-3, atol: 2e-6 };
  for (const c of benchCases(C)) {
    const pred = leaves([c.loss.expr], 'input').get('pred')!;
    const inputs = {
      pred: { shape: [N, C, H, W], data: data.pred },
      labels: { shape: [N, H, W], data: data.labels },
      target: { shape: [N, C, H, W], data: data.target },
    };
    const used = Object.fromEntries(Object.keys(c.loss.inputs).map((k) => [k, inputs[k as keyof typeof inputs]]));
    const reference = evaluate([c.loss.expr, gradient(c.loss.expr, pred)], { inputs: used, params: c.loss.params });

    it(`${c.label}: the fused JS loop matches the reference`, () => {
      const grad = new Float32Array(N * C * H * W);
      const value = c.fused(data, grad, { p: new Float32Array(grad.length), sums: new Float64Array(2 * C) }, { ...c.loss.params });
      expect(compareArrays('value', [value], reference.value.data, tol)).toBeUndefined();
      expect(compareArrays('grad', grad, reference.values[1]!.data, tol)).toBeUndefined();
    });

    for (const style of ['tuned', 'native'] as const)
    it(`${c.label}: the hand-built ONNX graph (${style}) matches the reference`, async () => {
      const session = await InferenceSession.create(c.handBuilt(style));
      const feeds: Record<string, Tensor> = { pred: new Tensor('float32', data.pred, [N, C, H, W]) };
      if (c.targetInput === 'labels') feeds.labels = new Tensor('float32', data.labels, [N, 1, H, W]);
      else feeds.target = new Tensor('float32', data.target, [N, C, H, W]);
      for (const [k, v] of Object.entries(c.loss.params)) feeds[k] = new Tensor('float32', Float32Array.of(v), []);
      const out = await session.run(feeds);
      await session.release();
      expect(compareArrays('value', out.loss!.data as Float32Array, reference.value.data, tol)).toBeUndefined();
      expect(compareArrays('grad', out.grad_pred!.data as Float32Array, reference.values[1]!.data, tol)).toBeUndefined();
    });
  }
});
