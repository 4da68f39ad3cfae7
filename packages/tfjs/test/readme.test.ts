import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { readmeExample } from './readme-example.js';

it('the README example is this file, verbatim', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBe(example);
});

it('the README example trains: its loss decreases', { timeout: 60_000 }, async () => {
  await tf.setBackend('cpu');
  const images = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  // the class of each pixel follows its brightest channel, plus a fourth "dark" class
  const masks = tf.tidy(() => {
    const brightest = tf.argMax(images, -1);
    const dark = tf.less(tf.max(images, -1), 0.4);
    return tf.oneHot(tf.where(dark, tf.fill(brightest.shape, 3, 'int32'), brightest), 4).toFloat() as tf.Tensor4D;
  });
  const losses = await readmeExample(images, masks);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]!);
});
