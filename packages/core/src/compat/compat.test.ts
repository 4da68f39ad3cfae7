import { describe, expect, it } from 'vitest';
import { tanh } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { leaves } from '../ir/node.js';
import { catalogue } from '../losses/catalogue.js';
import type { Loss } from '../losses/loss.js';
import { OptionError } from '../losses/options.js';
import { losses } from '../losses/registry.js';
import { finiteDifferenceGradient, maxRelativeError, seededRandom } from '../testing/finite-difference.js';
import { compat } from './index.js';

const [N, C, H, W] = [2, 3, 2, 3];
const random = seededRandom(7);
const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
const labels = draw(N * H * W, () => Math.floor(random() * C));
const onehot = Float64Array.from({ length: N * C * H * W }, (_, i) => {
  const b = Math.floor(i / (C * H * W));
  const k = Math.floor(i / (H * W)) % C;
  return labels[b * H * W + (i % (H * W))] === k ? 1 : 0;
});

/** Valid data for a loss's inputs (probabilities in (0.05, 0.95), logits in [-3, 3]). */
function dataFor(loss: Loss) {
  const inputs: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const [name, spec] of Object.entries(loss.inputs)) {
    const classes = spec.roles.includes('class') ? (spec.numClasses ?? C) : 1;
    const shape = spec.roles.flatMap((r) => (r === 'batch' ? [N] : r === 'class' ? [classes] : [H, W]));
    const n = shape.reduce((a, b) => a * b, 1);
    const data =
      spec.domain === 'labels'
        ? Float64Array.from(labels, (l) => (classes === 1 || spec.numClasses === 2 ? l % 2 : l))
        : spec.domain === 'onehot'
          ? onehot
          : spec.domain === 'binary'
            ? draw(n, () => (random() < 0.5 ? 0 : 1))
            : spec.domain === 'probability'
              ? draw(n, () => 0.05 + 0.9 * random())
              : spec.domain === 'weight'
                ? draw(n, () => 2 * random())
                : draw(n, () => 6 * random() - 3);
    inputs[name] = { shape, data };
  }
  return inputs;
}

const PRESETS: [string, Loss][] = [
  ['smp.DiceLoss multiclass', compat.smp.DiceLoss('multiclass', { numClasses: C, smooth: 1, classes: [1, 2] })],
  ['smp.DiceLoss binary ignore', compat.smp.DiceLoss('binary', { ignoreIndex: 1, logLoss: true })],
  ['smp.JaccardLoss multilabel', compat.smp.JaccardLoss('multilabel', { numClasses: C, classWeights: [1, 2, 3] })],
  ['smp.TverskyLoss', compat.smp.TverskyLoss('multiclass', { numClasses: C, alpha: 0.3, beta: 0.7, gamma: 1.5 })],
  ['smp.FocalLoss multiclass', compat.smp.FocalLoss('multiclass', { numClasses: C, alpha: 0.25, classWeights: [1, 2, 1] })],
  ['smp.FocalLoss binary probs', compat.smp.FocalLoss('binary', { fromLogits: false, gamma: 1.5 })],
  ['smp.MCCLoss', compat.smp.MCCLoss()],
  ['smp.SoftBCEWithLogitsLoss', compat.smp.SoftBCEWithLogitsLoss({ smoothFactor: 0.1 })],
  ['smp.SoftCrossEntropyLoss', compat.smp.SoftCrossEntropyLoss({ numClasses: C, smoothFactor: 0.1, ignoreIndex: 2 })],
  ['keras.CategoricalCrossentropy', compat.keras.CategoricalCrossentropy({ labelSmoothing: 0.1, sampleWeights: true })],
  ['keras.CategoricalFocalCrossentropy', compat.keras.CategoricalFocalCrossentropy({ fromLogits: true })],
  ['keras.BinaryFocalCrossentropy', compat.keras.BinaryFocalCrossentropy({ applyClassBalancing: true, labelSmoothing: 0.1 })],
  ['keras.BinaryCrossentropy logits', compat.keras.BinaryCrossentropy({ fromLogits: true, reduction: 'sum' })],
  ['keras.Dice axis', compat.keras.Dice({ axis: [1, 2, 3] })],
  ['keras.Huber', compat.keras.Huber({ delta: 0.5 })],
  ['native mcc', catalogue.mcc({ perImage: true, sampleWeights: true })],
  ['monai.DiceLoss softmax, no background, squaredPred', compat.monai.DiceLoss({ softmax: true, toOnehotY: true, numClasses: C, includeBackground: false, weight: [1, 2], squaredPred: true })],
  ['monai.DiceLoss sigmoid jaccard batch softLabel', compat.monai.DiceLoss({ sigmoid: true, jaccard: true, batch: true, softLabel: true, reduction: 'sum' })],
  ['monai.DiceLoss otherAct tanh', compat.monai.DiceLoss({ otherAct: tanh, weight: 0.5 })],
  ['monai.TverskyLoss softmax, no background', compat.monai.TverskyLoss({ softmax: true, toOnehotY: true, numClasses: C, includeBackground: false, alpha: 0.3, beta: 0.7 })],
  ['monai.TverskyLoss softLabel', compat.monai.TverskyLoss({ softLabel: true, alpha: 0.7, beta: 0.3 })],
  ['monai.GeneralizedDiceLoss softmax (absent classes)', compat.monai.GeneralizedDiceLoss({ softmax: true, toOnehotY: true, numClasses: C })],
  ['monai.GeneralizedDiceLoss simple, batch, no background', compat.monai.GeneralizedDiceLoss({ sigmoid: true, numClasses: C, wType: 'simple', batch: true, includeBackground: false })],
  ['monai.FocalLoss sigmoid alpha weight', compat.monai.FocalLoss({ alpha: 0.25, weight: [1, 2, 3] })],
  ['monai.FocalLoss softmax, no background', compat.monai.FocalLoss({ useSoftmax: true, toOnehotY: true, numClasses: C, includeBackground: false, gamma: 1.5 })],
  ['monai.FocalLoss softmax alpha sum', compat.monai.FocalLoss({ useSoftmax: true, numClasses: C, alpha: 0.75, reduction: 'sum' })],
  ['monai.DiceCELoss labels, weight, smoothing', compat.monai.DiceCELoss({ softmax: true, toOnehotY: true, includeBackground: false, weight: [1, 2, 3], labelSmoothing: 0.1 })],
  ['monai.DiceCELoss dense target, smoothing', compat.monai.DiceCELoss({ softmax: true, labelSmoothing: 0.2, lambdaDice: 0.5 })],
  ['monai.DiceCELoss one channel (BCE)', compat.monai.DiceCELoss({ sigmoid: true, numClasses: 1, weight: [2], reduction: 'sum' })],
  ['monai.DiceFocalLoss softmax Dice, labels', compat.monai.DiceFocalLoss({ softmax: true, toOnehotY: true, numClasses: C, includeBackground: false, alpha: 0.25, lambdaFocal: 0.5 })],
];

describe('compat presets', () => {
  for (const [name, loss] of PRESETS)
    it(`${name}: exact gradient (central differences, float64)`, () => {
      const inputs = dataFor(loss);
      const pred = leaves([loss.expr], 'input').get('pred')!;
      const symbolic = evaluate(gradient(loss.expr, pred), { inputs }).value.data;
      const numeric = finiteDifferenceGradient(loss.expr, 'pred', { inputs });
      expect(Number.isFinite(evaluateScalar(loss.expr, { inputs }))).toBe(true);
      expect(maxRelativeError(symbolic, numeric)).toBeLessThan(1e-5);
    });

  it('smp gives a class with no target pixels loss 0 where losskit with smooth 0 gives 1', () => {
    const inputs = { pred: { shape: [1, 1, 1, 3], data: [1, 1, 1] }, labels: { shape: [1, 1, 3], data: [0, 0, 0] } };
    expect(evaluateScalar(compat.smp.DiceLoss('binary', { fromLogits: false }).expr, { inputs })).toBe(0);
    const native = catalogue.dice({ mode: 'binary', sparse: true, fromLogits: false, smooth: 0 });
    expect(evaluateScalar(native.expr, { inputs })).toBeCloseTo(1, 6);
  });

  it('names every loss and refuses unknown options with the preset name', () => {
    expect(compat.keras.Dice().name).toBe('keras.Dice');
    expect(compat.keras.Dice({ name: 'mydice' }).name).toBe('mydice');
    expect(catalogue.dice({ name: 'd' }).name).toBe('d');
    expect(() => compat.smp.DiceLoss('multiclass', { smoth: 1 } as never)).toThrow(/smp.DiceLoss: unknown option 'smoth'/);
    expect(() => compat.keras.Dice({ axis: [1, 3] })).toThrow(/all spatial axes/);
  });
});

describe('losses registry', () => {
  const cases: [string, object][] = [
    ['dice', { smooth: 1, perImage: true, name: 'd' }],
    ['mcc', { mode: 'multilabel' }],
    ['categoricalCrossEntropy', { labelSmoothing: 0.1, reduction: 'sum_over_batch_size', sampleWeights: true }],
    ['categorical_crossentropy', { fromLogits: true }],
    ['keras.Tversky', { alpha: 0.2, beta: 0.8, axis: [1, 2, 3] }],
    ['smp.DiceLoss', { mode: 'multiclass', numClasses: 3, classes: [1, 2] }],
    ['smp.SoftCrossEntropyLoss', { numClasses: 3, smoothFactor: 0.1 }],
    ['monai.GeneralizedDiceLoss', { softmax: true, toOnehotY: true, numClasses: 3, wType: 'simple' }],
  ];
  for (const [name, options] of cases)
    it(`${name}: toConfig / fromConfig round-trips through JSON to the same graph`, () => {
      const loss = losses.get(name, options);
      const again = losses.fromConfig(JSON.parse(JSON.stringify(losses.toConfig(loss))));
      expect(again.expr).toBe(loss.expr);
      expect(again.name).toBe(loss.name);
      expect(Object.keys(again.inputs).sort()).toEqual(Object.keys(loss.inputs).sort());
    });

  it('says what is known for an unknown name', () => {
    expect(() => losses.get('dise')).toThrow(OptionError);
    expect(() => losses.get('dise')).toThrow(/known: .*dice/);
    expect(() => losses.get('constructor')).toThrow(/unknown loss/);
  });
});
