import { compat } from '@losskit/core';
import type { FixedCase } from './fixed-cases.js';
import { monaiVectors } from './monai-vectors.js';
import { tfjsVectors } from './tfjs-vectors.js';
import type { InputData } from './types.js';

/** Data as the core takes it (NCHW-flattened over the roles the input spans), rounded to float32. */
const data = (shape: number[], values: readonly number[]): InputData => ({ shape, data: Float64Array.from(values, Math.fround) });
/** A Keras [batch, class] tensor as [batch, class, 1] (one pixel). */
const rows = (values: readonly (readonly number[])[]): InputData => data([values.length, values[0]!.length, 1], values.flat());

const KERAS = 'keras-team/keras keras/src/losses/losses_test.py';
const SMP = 'qubvel-org/segmentation_models.pytorch tests/test_losses.py';
// smp's tests/test_losses.py has no Lovász case; pytorch_optimizer's LovaszHingeLoss is the same
// code (Berman's lovasz_hinge_flat, as smp's _lovasz_hinge_flat)
const PYTORCH_OPTIMIZER = 'kozistr/pytorch_optimizer@7a076d2f tests/test_loss_functions.py';

// pytorch_optimizer test_lovasz_hinge_loss: logits [2, 1, 4, 4], image 0 background, image 1 foreground
const lovaszLogits = data(
  [2, 1, 4, 4],
  [
    1.9269, 1.4873, 0.9007, -2.1055, 0.6784, -1.2345, -0.0431, -1.6047, -0.7521, 1.6487, -0.3925, -1.4036, -0.7279, -0.5594, -0.7688, 0.7624,
    1.6423, -0.1596, -0.4974, 0.4396, -0.7581, 1.0783, 0.8008, 1.6806, 1.2791, 1.2964, 0.6105, 1.3347, -0.2316, 0.0418, -0.2516, 0.8599,
  ],
);
const lovaszLabels = data([2, 4, 4], [...new Array<number>(16).fill(0), ...new Array<number>(16).fill(1)]);

const mseTrue = rows([
  [1, 9, 2],
  [-5, -2, 6],
]);
const msePred = rows([
  [4, 8, 12],
  [8, 1, 3],
]);
const cceTrue = rows([
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
]);
const diceTrue = rows([
  [1, 2],
  [1, 2],
]);
const dicePred = rows([
  [4, 1],
  [6, 1],
]);
const segTrue = rows([
  [1, 0, 1, 0],
  [0, 1, 0, 1],
  [1, 0, 1, 0],
  [0, 1, 0, 1],
]);
const segPred = rows([
  [0, 1, 0, 1],
  [1, 0, 1, 1],
  [0, 1, 0, 1],
  [1, 0, 1, 1],
]);
// (2, 2, 2, 1) NHWC with one channel: [N, C=1, H, W]
const axisTrue = data([2, 1, 2, 2], [1, 1, 0, 0, 1, 1, 0, 0]);
const axisPred = data([2, 1, 2, 2], [0, 1, 0, 1, 0.4, 0, 0, 0.9]);

/** smp binary data: probabilities [1, 1, 1, n] and 0/1 labels [1, 1, n]. */
const smpBinary = (pred: number[], labels: number[]) => ({ pred: data([1, 1, 1, pred.length], pred), labels: data([1, 1, labels.length], labels) });

/**
 * Published test vectors of the peers, each with its source file and line, run through the
 * compat presets: the preset's value must equal the peer's number, and every backend must match
 * the core reference in value and gradient. MONAI's are in monai-vectors.ts, tfjs's in tfjs-vectors.ts.
 */
export function peerVectors(): FixedCase[] {
  const k = compat.keras;
  const s = compat.smp;
  return [
    { name: 'keras MeanSquaredError', source: `${KERAS}:29`, loss: k.MeanSquaredError(), data: { pred: msePred, target: mseTrue }, expected: [49.5] },
    {
      name: 'keras MeanSquaredError, sample weights [1.2, 3.4]',
      source: `${KERAS}:43`,
      loss: k.MeanSquaredError({ sampleWeights: true }),
      data: { pred: msePred, target: mseTrue, sampleWeight: data([2], [1.2, 3.4]) },
      expected: [767.8 / 6],
    },
    { name: 'keras MeanAbsoluteError', source: `${KERAS}:114`, loss: k.MeanAbsoluteError(), data: { pred: msePred, target: mseTrue }, expected: [5.5] },
    {
      name: 'keras CategoricalCrossentropy from probabilities',
      source: `${KERAS}:1137`,
      loss: k.CategoricalCrossentropy(),
      data: {
        target: cceTrue,
        pred: rows([
          [0.9, 0.05, 0.05],
          [0.5, 0.89, 0.6],
          [0.05, 0.01, 0.94],
        ]),
      },
      expected: [0.3239],
    },
    {
      name: 'keras CategoricalCrossentropy from logits',
      source: `${KERAS}:1147`,
      loss: k.CategoricalCrossentropy({ fromLogits: true }),
      data: {
        target: cceTrue,
        pred: rows([
          [8, 1, 1],
          [0, 9, 1],
          [2, 3, 5],
        ]),
      },
      expected: [0.0573],
    },
    {
      name: 'keras BinaryCrossentropy',
      source: `${KERAS}:1020`,
      loss: k.BinaryCrossentropy(),
      data: {
        target: cceTrue,
        pred: rows([
          [0.9, 0.1, 0.2],
          [0.3, 0.8, 0.1],
          [0.1, 0.2, 0.7],
        ]),
      },
      expected: [0.20046903],
    },
    {
      name: 'keras BinaryCrossentropy at probabilities 0 and 1',
      source: `${KERAS}:1029`,
      loss: k.BinaryCrossentropy(),
      data: {
        target: rows([
          [1, 0],
          [1, 0],
        ]),
        pred: rows([
          [1, 1],
          [1, 0],
        ]),
      },
      expected: [3.98559],
    },
    { name: 'keras Dice', source: `${KERAS}:2017`, loss: k.Dice(), data: { pred: dicePred, target: diceTrue }, expected: [-0.55555546] },
    { name: 'keras Dice, binary segmentation', source: `${KERAS}:2023`, loss: k.Dice(), data: { pred: segPred, target: segTrue }, expected: [0.77777773] },
    {
      name: 'keras Dice, axis (1, 2, 3), no reduction',
      source: `${KERAS}:2033`,
      loss: k.Dice({ axis: [1, 2, 3], reduction: 'none' }),
      data: { pred: axisPred, target: axisTrue },
      expected: [0.5, 0.75757575],
    },
    { name: 'keras Tversky', source: `${KERAS}:2054`, loss: k.Tversky(), data: { pred: dicePred, target: diceTrue }, expected: [-0.55555558] },
    {
      name: 'keras Tversky alpha 0.2 beta 0.8',
      source: `${KERAS}:2060`,
      loss: k.Tversky({ alpha: 0.2, beta: 0.8 }),
      data: { pred: dicePred, target: diceTrue },
      expected: [-0.94444442],
    },
    {
      name: 'keras Tversky alpha 0.2 beta 0.8, binary segmentation',
      source: `${KERAS}:2086`,
      loss: k.Tversky({ alpha: 0.2, beta: 0.8 }),
      data: { pred: segPred, target: segTrue },
      expected: [0.76190472],
    },
    {
      name: 'keras Tversky alpha 0.2 beta 0.8, axis (1, 2, 3)',
      source: `${KERAS}:2096`,
      loss: k.Tversky({ alpha: 0.2, beta: 0.8, axis: [1, 2, 3], reduction: 'none' }),
      data: { pred: axisPred, target: axisTrue },
      expected: [0.5, 0.78494626],
    },
    ...(
      [
        [[1, 1, 1], [1, 1, 1], 0, 129],
        [[1, 0, 1], [1, 0, 1], 0, 134],
        [[0, 0, 0], [0, 0, 0], 0, 139],
        [[1, 1, 1], [0, 0, 0], 0, 145],
        [[1, 0, 1], [0, 1, 0], 1, 150],
        [[0, 0, 0], [1, 1, 1], 1, 155],
      ] as const
    ).map(([pred, labels, expected, line]) => ({
      name: `smp DiceLoss binary, pred ${pred.join(' ')}, target ${labels.join(' ')}`,
      source: `${SMP}:${line}`,
      loss: s.DiceLoss('binary', { fromLogits: false }),
      data: smpBinary([...pred], [...labels]),
      expected: [expected],
    })),
    {
      name: 'smp JaccardLoss multiclass, half right',
      source: `${SMP}:260`,
      loss: s.JaccardLoss('multiclass', { fromLogits: false, numClasses: 2 }),
      data: { pred: data([1, 2, 1, 4], [1, 0, 1, 0, 0, 1, 0, 1]), labels: data([1, 1, 4], [1, 1, 0, 0]) },
      expected: [1 - 1 / 3],
    },
    {
      name: 'smp JaccardLoss multilabel, half right',
      source: `${SMP}:286`,
      loss: s.JaccardLoss('multilabel', { fromLogits: false, numClasses: 2 }),
      data: { pred: data([1, 2, 1, 4], [0, 1, 1, 0, 0, 1, 1, 0]), target: data([1, 2, 1, 4], [1, 1, 0, 0, 1, 1, 0, 0]) },
      expected: [1 - 1 / 3],
    },
    ...(
      [
        [true, 1.74925303, 294],
        [false, 1.08580458, 294],
      ] as const
    ).map(([perImage, expected, line]) => ({
      name: `smp LovaszLoss binary (Lovász hinge), perImage ${perImage}`,
      source: `${PYTORCH_OPTIMIZER}:${line}`,
      loss: s.LovaszLoss('binary', { perImage }),
      data: { pred: lovaszLogits, labels: lovaszLabels },
      expected: [expected],
    })),
    ...(
      [
        [true, 1.625],
        [false, 7 / 6],
      ] as const
    ).map(([perImage, expected]) => ({
      name: `smp LovaszLoss binary, 2 images of 2 pixels, perImage ${perImage}`,
      source: 'by hand from Berman et al. 2018 Alg. 1: hinge errors [3, 0] (image 0, background) and [0.5, -0.5] (image 1, foreground)',
      loss: s.LovaszLoss('binary', { perImage }),
      data: { pred: data([2, 1, 1, 2], [2, -1, 0.5, 1.5]), labels: data([2, 1, 2], [0, 0, 1, 1]) },
      expected: [expected],
    })),
    {
      name: 'smp LovaszLoss multiclass (Lovász-softmax), 3 pixels, both classes present',
      source:
        'by hand from Berman et al. 2018 Alg. 1: p = [0.7, 0.2, 0.6 | 0.3, 0.8, 0.4] (logits log p), labels [0, 1, 0]: class 0 gives 0.4/2 + 0.3/2 = 0.35, class 1 0.4/2 + 0.3/6 + 0.2/3 = 0.31667, mean 1/3',
      loss: s.LovaszLoss('multiclass', { numClasses: 2 }),
      data: { pred: data([1, 2, 1, 3], [0.7, 0.2, 0.6, 0.3, 0.8, 0.4].map(Math.log)), labels: data([1, 1, 3], [0, 1, 0]) },
      expected: [1 / 3],
    },
    {
      name: 'smp SoftCrossEntropyLoss, smooth 0.1, one pixel ignored',
      source: `${SMP}:297`,
      loss: s.SoftCrossEntropyLoss({ numClasses: 4, smoothFactor: 0.1, ignoreIndex: -100 }),
      data: {
        pred: data([4, 4, 1], [9, -9, -9, -9, -9, 9, -9, -9, -9, -9, 9, -9, -9, -9, -9, 9]),
        labels: data([4, 1], [0, 1, -100, 3]),
      },
      expected: [1.0125],
    },
    {
      name: 'smp SoftBCEWithLogitsLoss, smooth 0.1, one pixel ignored',
      source: `${SMP}:310`,
      loss: s.SoftBCEWithLogitsLoss({ smoothFactor: 0.1, ignoreIndex: -100 }),
      data: { pred: data([1, 1, 1, 5], [-9, 9, 1, 9, -9]), target: data([1, 1, 1, 5], [0, 1, -100, 1, 0]) },
      expected: [0.7201],
    },
    // smp's (1, 2, 4) tensors, pooled over every element, as [1, 1, 2, 4]
    ...(
      [
        [[1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 0, 0, 0, 0, 1, 1], 0, 323],
        [[1, 1, 0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 1, 1, 0, 0], 2, 330],
        [[0, 1, 1, 0, 0, 1, 1, 0], [1, 1, 0, 0, 1, 1, 0, 0], 1, 336],
        [[0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 1, 1, 0, 0], 1, 343],
        [[0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1], 1.5, 350],
        [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1], 0.5, 357],
      ] as const
    ).map(([pred, target, expected, line]) => ({
      name: `smp MCCLoss, pred ${pred.join('')}, target ${target.join('')}`,
      source: `${SMP}:${line}`,
      loss: s.MCCLoss(),
      data: { pred: data([1, 1, 2, 4], [...pred]), target: data([1, 1, 2, 4], [...target]) },
      expected: [expected],
    })),
    ...monaiVectors(),
    ...tfjsVectors(),
  ];
}
