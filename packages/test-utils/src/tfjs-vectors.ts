import { compat } from '@losskit/core';
import type { FixedCase } from './fixed-cases.js';
import type { InputData } from './types.js';

/** A tfjs [batch, class] tensor as [batch, class, 1] (one pixel), rounded to float32. */
const rows = (values: readonly (readonly number[])[]): InputData => ({
  shape: [values.length, values[0]!.length, 1],
  data: Float64Array.from(values.flat(), Math.fround),
});
/** A tfjs 1-D tensor as `n` samples of one value each. */
const column = (values: readonly number[]) => rows(values.map((v) => [v]));
const weights = (values: readonly number[]): InputData => ({ shape: [values.length], data: Float64Array.from(values, Math.fround) });

const TFJS = 'tensorflow/tfjs tfjs-core/src/ops/losses';
const at = (file: string, line: number) => `${TFJS}/${file}:${line}`;

// the logits and one-hot labels the cross-entropy tests share
const logits = rows([
  [10, -10, -10],
  [-10, 10, -10],
  [-10, -10, 10],
]);
const wrong = rows([
  [0, 0, 1],
  [1, 0, 0],
  [0, 1, 0],
]);
const right = rows([
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
]);
const huber1d = { pred: column([0.3, 0.6, 0.1]), target: column([1, 2, 3]) };
const mse1d = { pred: column([1, 2, 3]), target: column([0.3, -0.6, -0.1]) };

/**
 * tfjs-core's published loss tests, through the Keras presets. tfjs's default reduction
 * (SUM_BY_NONZERO_WEIGHTS) divides the weighted sum by the number of non-zero weights: without
 * weights, or with one non-zero weight per sample, that is Keras's sum_over_batch_size of the
 * per-sample mean over the last axis, so these cases are the same function. Cases with zero weights
 * or weights per class are not (tfjs counts non-zero weights; Keras weights samples) and are not ported.
 */
export function tfjsVectors(): FixedCase[] {
  const k = compat.keras;
  const softmaxCe = k.CategoricalCrossentropy({ fromLogits: true });
  const sigmoidCe = k.BinaryCrossentropy({ fromLogits: true });
  return [
    { name: 'tfjs softmaxCrossEntropy, all wrong', source: at('softmax_cross_entropy_test.ts', 23), loss: softmaxCe, data: { pred: logits, target: wrong }, expected: [20] },
    { name: 'tfjs softmaxCrossEntropy, all right', source: at('softmax_cross_entropy_test.ts', 35), loss: softmaxCe, data: { pred: logits, target: right }, expected: [0] },
    { name: 'tfjs sigmoidCrossEntropy, all wrong', source: at('sigmoid_cross_entropy_test.ts', 22), loss: sigmoidCe, data: { pred: logits, target: wrong }, expected: [6.6667123] },
    { name: 'tfjs sigmoidCrossEntropy, all right', source: at('sigmoid_cross_entropy_test.ts', 34), loss: sigmoidCe, data: { pred: logits, target: right }, expected: [0] },
    { name: 'tfjs meanSquaredError 1D', source: at('mean_squared_error_test.ts', 22), loss: k.MeanSquaredError(), data: mse1d, expected: [(0.7 ** 2 + 2.6 ** 2 + 3.1 ** 2) / 3] },
    {
      name: 'tfjs meanSquaredError 1D, weights [0.1, 0.2, 0.3]',
      source: at('mean_squared_error_test.ts', 36),
      loss: k.MeanSquaredError({ sampleWeights: true }),
      data: { ...mse1d, sampleWeight: weights([0.1, 0.2, 0.3]) },
      expected: [(0.7 ** 2 * 0.1 + 2.6 ** 2 * 0.2 + 3.1 ** 2 * 0.3) / 3],
    },
    { name: 'tfjs huberLoss 1D', source: at('huber_loss_test.ts', 22), loss: k.Huber(), data: huber1d, expected: [1.1816667] },
    { name: 'tfjs huberLoss 1D, delta 0.4', source: at('huber_loss_test.ts', 32), loss: k.Huber({ delta: 0.4 }), data: huber1d, expected: [0.58666664] },
    {
      name: 'tfjs huberLoss 1D, weights [0.1, 0.2, 0.3]',
      source: at('huber_loss_test.ts', 43),
      loss: k.Huber({ sampleWeights: true }),
      data: { ...huber1d, sampleWeight: weights([0.1, 0.2, 0.3]) },
      expected: [0.30816665],
    },
    {
      name: 'tfjs huberLoss 2D',
      source: at('huber_loss_test.ts', 89),
      loss: k.Huber(),
      data: {
        pred: rows([
          [0.1, 0.7, 0.1],
          [0.5, 0.05, 0.15],
        ]),
        target: rows([
          [0.4, 0.8, 0.12],
          [0.8, 0.1, 0.3],
        ]),
      },
      expected: [0.01795],
    },
  ];
}
