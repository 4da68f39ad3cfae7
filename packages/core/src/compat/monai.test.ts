import { describe, expect, it } from 'vitest';
import { tanh } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { catalogue } from '../losses/catalogue.js';
import type { Loss } from '../losses/loss.js';
import { losses } from '../losses/registry.js';
import { seededRandom } from '../testing/finite-difference.js';
import { compat } from './index.js';

const m = compat.monai;
const MONAI = 'Project-MONAI/MONAI@d388d1c tests/losses';
const random = seededRandom(11);
const [N, C, H, W] = [3, 3, 4, 4];
const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
// as test_dice_focal_loss.py: randn logits, randint(0, 2) targets (so a class may be absent)
const pred = { shape: [N, C, H, W], data: draw(N * C * H * W, () => 4 * random() - 2) };
const target = { shape: [N, C, H, W], data: draw(N * C * H * W, () => (random() < 0.5 ? 0 : 1)) };
const labels = { shape: [N, H, W], data: draw(N * H * W, () => Math.floor(random() * (C - 1))) };
const run = (loss: Loss, inputs: object) => [...evaluate(loss.expr, { inputs: inputs as never }).value.data];
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  for (const [i, g] of got.entries()) expect(g).toBeCloseTo(want[i]!, 10);
};

describe('compat.monai', () => {
  describe(`DiceFocalLoss = DiceLoss + lambdaFocal FocalLoss (${MONAI}/test_dice_focal_loss.py)`, () => {
    for (const reduction of ['sum', 'mean', 'none'] as const)
      for (const weight of [undefined, [1, 1, 2], [3, 2, 1]])
        it(`line 25: one-hot target, gamma 1, reduction ${reduction}, weight ${JSON.stringify(weight)}`, () => {
          const common = { reduction, ...(weight ? { weight } : {}) };
          for (const lambdaFocal of [0.5, 1, 1.5]) {
            const got = run(m.DiceFocalLoss({ gamma: 1, lambdaFocal, ...common }), { pred, target });
            const dice = run(m.DiceLoss(common), { pred, target });
            const focal = run(m.FocalLoss({ gamma: 1, ...common }), { pred, target });
            const spatial = H * W;
            // reduction 'none': the per-class Dice broadcasts over the pixels of the focal term
            close(got, focal.map((f, i) => dice[reduction === 'none' ? Math.floor(i / spatial) : 0]! + lambdaFocal * f));
          }
        });
    for (const reduction of ['sum', 'mean', 'none'] as const)
      it(`line 45: labels, no background, softmax Dice, weight (1, 2), reduction ${reduction}`, () => {
        const common = { includeBackground: false, toOnehotY: true, numClasses: C, reduction, weight: [1, 2] };
        const got = run(m.DiceFocalLoss({ softmax: true, lambdaFocal: 1.5, ...common }), { pred, labels });
        const dice = run(m.DiceLoss({ softmax: true, ...common }), { pred, labels });
        const focal = run(m.FocalLoss(common), { pred, labels });
        close(got, focal.map((f, i) => dice[reduction === 'none' ? Math.floor(i / (H * W)) : 0]! + 1.5 * f));
      });
    it('line 106: alpha 0.25', () => {
      const common = { reduction: 'mean' as const, weight: [3, 2, 1] };
      const got = evaluateScalar(m.DiceFocalLoss({ gamma: 1, alpha: 0.25, lambdaFocal: 0.5, ...common }).expr, { inputs: { pred, target } });
      const want =
        evaluateScalar(m.DiceLoss(common).expr, { inputs: { pred, target } }) +
        0.5 * evaluateScalar(m.FocalLoss({ gamma: 1, alpha: 0.25, ...common }).expr, { inputs: { pred, target } });
      expect(got).toBeCloseTo(want, 10);
    });
  });

  it(`FocalLoss with gamma 0 is BCE with logits (${MONAI}/test_focal_loss.py:88)`, () => {
    const bce = catalogue.binaryCrossEntropy({ mode: 'multilabel' });
    expect(evaluateScalar(m.FocalLoss({ gamma: 0, weight: 1 }).expr, { inputs: { pred, target } })).toBeCloseTo(
      evaluateScalar(bce.expr, { inputs: { pred, target } }),
      12,
    );
  });

  it('softmax focal without the background normalises over the other classes only, as MONAI', () => {
    const two = { shape: [1, 3, 1, 1], data: [5, 0, 1] };
    const onlyFg = { shape: [1, 3, 1, 1], data: [0, 0, 1] };
    const got = evaluateScalar(m.FocalLoss({ useSoftmax: true, includeBackground: false, numClasses: 3, gamma: 0 }).expr, { inputs: { pred: two, target: onlyFg } });
    // classes 1 and 2: -log softmax([0, 1])_1, averaged over the 2 kept classes
    expect(got).toBeCloseTo(Math.log(1 + Math.exp(-1)) / 2, 12);
  });

  it('GeneralizedDiceLoss gives an absent class the largest weight of its image', () => {
    // image: class 0 present on 3 pixels (w = 1/9), class 1 on 1 (w = 1), class 2 absent (w = 1)
    const t = { shape: [1, 3, 4], data: [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0] };
    const p = { shape: [1, 3, 4], data: [0.5, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3] };
    const w = [1 / 9, 1, 1];
    const tp = [1.5, 0.2, 0];
    const union = [2 + 3, 0.8 + 1, 1.2];
    const want = 1 - (2 * tp.reduce((a, x, c) => a + x * w[c]!, 0) + 1e-5) / (union.reduce((a, x, c) => a + x * w[c]!, 0) + 1e-5);
    expect(evaluateScalar(m.GeneralizedDiceLoss({ numClasses: 3 }).expr, { inputs: { pred: p, target: t } })).toBeCloseTo(want, 12);
  });

  it('says what is wrong with the options, naming the preset', () => {
    expect(() => m.DiceLoss({ sigmoid: true, softmax: true })).toThrow(/monai.DiceLoss: give at most one of sigmoid, softmax and otherAct/);
    expect(() => m.DiceLoss({ toOnehotY: true })).toThrow(/monai.DiceLoss: toOnehotY needs numClasses/);
    expect(() => m.TverskyLoss({ includeBackground: false })).toThrow(/includeBackground: false needs numClasses/);
    expect(() => m.GeneralizedDiceLoss({ softmax: true })).toThrow(/w_type 'square' needs numClasses/);
    expect(() => m.DiceLoss({ numClasses: 3, weight: [1, 2, 3], includeBackground: false })).toThrow(/weight has 3 values, but numClasses 3 needs 2/);
    expect(() => m.DiceCELoss({ reduction: 'none' } as never)).toThrow(/reduction 'none' is not supported/);
    expect(() => m.FocalLoss({ useSoftmax: true, alpha: 0.5 })).toThrow(/alpha with useSoftmax needs numClasses/);
    expect(() => m.FocalLoss({ sigmoid: true } as never)).toThrow(/monai.FocalLoss: unknown option 'sigmoid'/);
    expect(() => m.DiceFocalLoss({ alpha: 1.5 })).toThrow(/monai.DiceFocalLoss: option alpha = 1.5 is invalid; expected a finite number >= 0 <= 1/);
    expect(() => m.DiceLoss({ otherAct: 'tanh' as never })).toThrow(/option otherAct = "tanh" is invalid; expected a function/);
    expect(() => m.DiceLoss({ weight: -1 })).toThrow(/option weight = -1 is invalid; expected a finite number >= 0, or an array/);
  });

  it('round-trips its config through losses.get, except with a function (otherAct)', () => {
    const loss = m.DiceCELoss({ softmax: true, toOnehotY: true, numClasses: 3, lambdaCe: 2 });
    expect(losses.fromConfig(JSON.parse(JSON.stringify(losses.toConfig(loss)))).expr).toBe(loss.expr);
    expect(losses.get('monai.FocalLoss', { useSoftmax: true }).expr).toBe(m.FocalLoss({ useSoftmax: true }).expr);
    expect(() => losses.toConfig(m.DiceLoss({ otherAct: tanh }))).toThrow(/a preset given a function, such as MONAI's otherAct, has none/);
  });
});
