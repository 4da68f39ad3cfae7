import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelWeights } from '../src/checkpoint.js';
import { initialValues } from '../src/init.js';
import { createModel } from '../src/model.js';
import { numel } from '../src/tape.js';
import { crossEntropy } from '../src/testing/losses.js';
import { shapesBatch } from '../src/synthetic-shapes.js';
import { Trainer } from '../src/trainer.js';
import { buildGradientGraph } from '../src/training-step.js';
import { buildTfjsModel, setTfjsWeights, tfjsGradientsByParameter, toNhwc } from './tfjs-models.js';

/**
 * The same tiny U-Net (depth 2, width 4, batch norm in training mode, transposed-conv upsampling)
 * in ONNX Runtime and in tfjs-layers on the tfjs cpu backend, from the same weights and batch.
 * Both compute in float32 with different summation orders, so they agree to float32 tolerance.
 */
describe('parity with tfjs-layers', () => {
  const model = createModel({ kind: 'unet', numClasses: 3, depth: 2, baseWidth: 4 });
  const [n, size] = [2, 16];
  const batch = shapesBatch(n, size, 7);
  const learningRate = 0.1;
  const weights: ModelWeights = {
    parameters: new Map(model.parameters.map((p) => [p.name, initialValues(p, 21)])),
    buffers: new Map(model.buffers.map((b) => [b.name, new Float32Array(numel(b.shape)).fill(b.init === 'ones' ? 1 : 0)])),
  };
  const shapes = new Map(model.parameters.map((p) => [p.name, p.shape]));
  let tfjsLoss = 0;
  let tfjsGrads = new Map<string, Float32Array>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const built = buildTfjsModel(tf, model.config, size, size);
    setTfjsWeights(tf, built, weights, shapes);
    const x = tf.tensor4d(toNhwc(batch.images, batch.shape), [n, size, size, 3]);
    const target = tf.oneHot(tf.tensor3d(Int32Array.from(batch.labels), [n, size, size], 'int32'), 3).toFloat();
    // mean over pixels of -sum_c t log softmax(logits)
    const { value, grads } = tf.variableGrads(() => {
      const logits = built.model.apply(x, { training: true }) as tf.Tensor4D;
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1))) as tf.Scalar;
    });
    tfjsLoss = value.dataSync()[0]!;
    tfjsGrads = tfjsGradientsByParameter(built, grads, shapes);
  }, 60_000);

  const relativeError = (a: Float32Array, b: Float32Array) => {
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      scale = Math.max(scale, Math.abs(b[i]!));
    }
    return diff / scale;
  };

  it('gives the same loss and the same gradient for every parameter', async () => {
    const graph = buildGradientGraph(model, crossEntropy(), { batch: n, height: size, width: size });
    const session = await ort.InferenceSession.create(graph.bytes, { logSeverityLevel: 3 });
    const feeds: Record<string, ort.Tensor> = {
      [graph.images]: new ort.Tensor('float32', batch.images, [...batch.shape]),
      [graph.labels]: new ort.Tensor('int32', Int32Array.from(batch.labels), [n, size, size]),
    };
    for (const p of model.parameters) feeds[graph.parameters.get(p.name)!] = new ort.Tensor('float32', weights.parameters.get(p.name)!, [...p.shape]);
    for (const b of model.buffers) feeds[graph.buffers.get(b.name)!] = new ort.Tensor('float32', weights.buffers.get(b.name)!, [...b.shape]);
    const out = await session.run(feeds);
    const ortLoss = Number(out[graph.loss]!.data[0]);
    expect(Math.abs(ortLoss - tfjsLoss)).toBeLessThan(1e-5 * Math.abs(tfjsLoss));
    expect(tfjsGrads.size).toBe(model.parameters.length);
    let worst = 0;
    for (const p of model.parameters) {
      const error = relativeError(out[graph.gradients.get(p.name)!]!.data as Float32Array, tfjsGrads.get(p.name)!);
      worst = Math.max(worst, error);
      expect(error, p.name).toBeLessThan(1e-4);
    }
    console.log(`loss ORT ${ortLoss} tfjs ${tfjsLoss}; worst gradient error (max |diff| / max |g|) ${worst.toExponential(2)}`);
    await session.release();
  });

  it('gives the same weights after one SGD step', async () => {
    const trainer = new Trainer({ model, loss: crossEntropy(), optimizer: { kind: 'sgd', momentum: 0 }, learningRate }, weights);
    await trainer.step(batch);
    const after = trainer.weights();
    let worst = 0;
    for (const p of model.parameters) {
      const w0 = weights.parameters.get(p.name)!;
      const g = tfjsGrads.get(p.name)!;
      const expected = w0.map((w, i) => w - learningRate * g[i]!);
      const got = after.parameters.get(p.name)!;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      // the step moved the weights by far more than the disagreement
      expect(Math.max(...got.map((v, i) => Math.abs(v - w0[i]!)))).toBeGreaterThan(0);
    }
    console.log(`weights after one SGD step (lr ${learningRate}): max |ORT - tfjs| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    await trainer.release();
  });
});
