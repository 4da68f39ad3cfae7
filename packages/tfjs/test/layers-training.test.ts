import { paperExperiments } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { compile } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu'); // the wasm backend has no Conv2DBackpropFilter: conv nets train on cpu
});

/** Pixels of a smooth random image, labelled by brightness band: something a tiny conv net can learn. */
function dataset(n: number) {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, 8, 8, 1], -1, 1, 'float32', 7);
    const labels = tf.add(tf.cast(tf.greater(x, -0.3), 'int32'), tf.cast(tf.greater(x, 0.3), 'int32'));
    const y = tf.oneHot(tf.reshape(labels, [n, 8, 8]), 3);
    return { x, y: tf.cast(y, 'float32') };
  });
}

it('trains a small conv net with a compiled hybrid loss (paper experiment 22) and the loss decreases', { timeout: 60_000 }, async () => {
  const loss = compile(paperExperiments.find((e) => e.id === 22)!.build({ ema: 'stateful' }));
  const model = tf.sequential({
    layers: [
      // seeded kernels (a conv2d config has no `seed`): the same weights, and the same fall of the loss, every run
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }), // logits, NHWC
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: loss.asLayersLoss() });
  const { x, y } = dataset(8);
  const history = await model.fit(x, y, { epochs: 12, batchSize: 8, shuffle: false, verbose: 0 });
  const losses = history.history.loss as number[];
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
  // one training step per epoch here; the ema state lives across epochs (12 updates, never reset)
  const steps = Object.entries(loss.getState()).filter(([name]) => name.endsWith('.steps'));
  expect(steps.length).toBeGreaterThan(0);
  for (const [, t] of steps) expect(t.dataSync()[0]).toBe(12);
  // model.evaluate runs the loss without recording gradients: the state stays put
  tf.dispose(model.evaluate(x, y) as tf.Tensor);
  for (const [, t] of Object.entries(loss.getState()).filter(([name]) => name.endsWith('.steps'))) expect(t.dataSync()[0]).toBe(12);
});
