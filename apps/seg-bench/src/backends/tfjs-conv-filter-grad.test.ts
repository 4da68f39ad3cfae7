import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2dBackpropFilter, installFastConvFilterGrad } from './tfjs-conv-filter-grad.js';

/** The filter gradient written as a direct sum in float64, the reference for the kernel. */
function reference(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: number, stride: number, pad: number): Float64Array {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const xs = x.dataSync();
  const dys = dy.dataSync();
  const out = new Float64Array(kernel * kernel * ci * co);
  for (let kh = 0; kh < kernel; kh++)
    for (let kw = 0; kw < kernel; kw++)
      for (let c = 0; c < ci; c++)
        for (let d = 0; d < co; d++) {
          let sum = 0;
          for (let b = 0; b < n; b++)
            for (let y = 0; y < oh; y++)
              for (let z = 0; z < ow; z++) {
                const iy = y * stride + kh - pad;
                const iz = z * stride + kw - pad;
                if (iy < 0 || iy >= h || iz < 0 || iz >= w) continue;
                sum += xs[((b * h + iy) * w + iz) * ci + c]! * dys[((b * oh + y) * ow + z) * co + d]!;
              }
          out[((kh * kernel + kw) * ci + c) * co + d] = sum;
        }
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastConvFilterGrad();
});

describe('fast Conv2DBackpropFilter (tfjs cpu)', () => {
  it('replaces the stock kernel', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBe(conv2dBackpropFilter);
  });

  it.each([
    { kernel: 3, stride: 1, padding: 'same' as const, pad: 1 },
    { kernel: 2, stride: 2, padding: 'valid' as const, pad: 0 },
    { kernel: 1, stride: 1, padding: 'valid' as const, pad: 0 },
  ])('matches the direct sum: kernel $kernel stride $stride $padding', ({ kernel, stride, padding, pad }) => {
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([kernel, kernel, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, filter, stride, padding);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    // d/dW sum(conv(x, W) * dy) is the filter gradient for upstream dy
    const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, stride, padding), dy)))(filter);
    const expected = reference(x, dy, kernel, stride, pad);
    const actual = grad.dataSync();
    expect(actual).toHaveLength(expected.length);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 4);
  });
});
