import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, argmaxClasses } from './confusion-matrix.js';

// Hand-computed fixture (3 classes, 255 ignored). Pairs (target, predicted) after dropping the
// ignored pixel: (0,0) (0,1) (1,1) (1,1) (2,0) (2,2) (0,0).
//   class 0: TP 2, FP 1, FN 1 -> precision 2/3, recall 2/3, Dice 2/3, IoU 1/2
//   class 1: TP 2, FP 1, FN 0 -> precision 2/3, recall 1,   Dice 4/5, IoU 2/3
//   class 2: TP 1, FP 0, FN 1 -> precision 1,   recall 1/2, Dice 2/3, IoU 1/2
//   micro:   TP 5, FP 2, FN 2 -> precision = recall = Dice = F1 = accuracy = 5/7, IoU 5/9
const target = [0, 0, 1, 1, 2, 2, 255, 0];
const predicted = [0, 1, 1, 1, 0, 2, 2, 0];

describe('ConfusionMatrix', () => {
  const m = new ConfusionMatrix(3, { ignoreIndex: 255 }).update(predicted, target).metrics();
  it('per class', () => {
    const expected = [
      { precision: 2 / 3, recall: 2 / 3, dice: 2 / 3, f1: 2 / 3, iou: 1 / 2 },
      { precision: 2 / 3, recall: 1, dice: 4 / 5, f1: 4 / 5, iou: 2 / 3 },
      { precision: 1, recall: 1 / 2, dice: 2 / 3, f1: 2 / 3, iou: 1 / 2 },
    ];
    expected.forEach((scores, c) => {
      for (const [k, v] of Object.entries(scores)) expect(m.perClass[c]![k as keyof typeof scores]).toBeCloseTo(v, 14);
    });
  });
  it('macro, micro, pixel accuracy, ignored pixel left out', () => {
    expect(m.macro.dice).toBeCloseTo(32 / 45, 14);
    expect(m.macro.iou).toBeCloseTo(5 / 9, 14);
    expect(m.macro.precision).toBeCloseTo(7 / 9, 14);
    expect(m.macro.recall).toBeCloseTo(13 / 18, 14);
    for (const k of ['precision', 'recall', 'dice', 'f1'] as const) expect(m.micro[k]).toBeCloseTo(5 / 7, 14);
    expect(m.micro.iou).toBeCloseTo(5 / 9, 14);
    expect(m.pixelAccuracy).toBeCloseTo(5 / 7, 14);
    expect(m.pixels).toBe(7);
    expect(m.presentClasses).toEqual([0, 1, 2]);
  });
  it('a class absent from prediction and target is NaN and left out of the macro average', () => {
    const four = new ConfusionMatrix(4, { ignoreIndex: 255 }).update(predicted, target).metrics();
    expect(Object.values(four.perClass[3]!).every(Number.isNaN)).toBe(true);
    expect(four.presentClasses).toEqual([0, 1, 2]);
    expect(four.macro).toEqual(m.macro);
  });
  it('a class only predicted (or only in the target) scores 0', () => {
    const r = new ConfusionMatrix(3).update([2, 2], [0, 1]).metrics();
    expect(r.perClass[2]).toEqual({ dice: 0, f1: 0, iou: 0, precision: 0, recall: 0 });
    expect(r.perClass[0]).toEqual({ dice: 0, f1: 0, iou: 0, precision: 0, recall: 0 });
    expect(r.pixelAccuracy).toBe(0);
  });
  it('nothing counted: NaN accuracy, no present class', () => {
    const r = new ConfusionMatrix(2, { ignoreIndex: 9 }).update([0, 1], [9, 9]).metrics();
    expect(r.pixels).toBe(0);
    expect(r.pixelAccuracy).toBeNaN();
    expect(r.macro.dice).toBeNaN();
  });
  it('streaming: batch by batch, and merged from parts, equals one pass (property)', () => {
    const labels = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { maxLength: 60 });
    fc.assert(
      fc.property(labels, fc.nat(), (pairs, cut) => {
        const p = pairs.map(([a]) => a);
        const t = pairs.map(([, b]) => b);
        const k = pairs.length === 0 ? 0 : cut % pairs.length;
        const whole = new ConfusionMatrix(4, { ignoreIndex: 3 }).update(p, t);
        const streamed = new ConfusionMatrix(4, { ignoreIndex: 3 }).update(p.slice(0, k), t.slice(0, k)).update(p.slice(k), t.slice(k));
        const merged = new ConfusionMatrix(4, { ignoreIndex: 3 })
          .update(p.slice(0, k), t.slice(0, k))
          .merge(new ConfusionMatrix(4, { ignoreIndex: 3 }).update(p.slice(k), t.slice(k)));
        expect(Array.from(streamed.counts)).toEqual(Array.from(whole.counts));
        expect(Array.from(merged.counts)).toEqual(Array.from(whole.counts));
        const total = whole.counts.reduce((a, x) => a + x, 0);
        expect(total).toBe(t.filter((x) => x !== 3).length);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
  it('bad labels and mismatched inputs are clear errors', () => {
    const cm = new ConfusionMatrix(3, { ignoreIndex: 255 });
    expect(() => cm.update([0, 3], [0, 1])).toThrow(/predicted label 3 at index 1 is not a class in 0..2/);
    expect(() => cm.update([0, 1], [0, 7])).toThrow(/target label 7 at index 1 is not a class in 0..2 or the ignore index 255/);
    expect(() => cm.update([0.5], [0])).toThrow(/predicted label 0.5/);
    expect(() => cm.update([0, 1], [0])).toThrow(/2 predicted labels but 1 target labels/);
    expect(() => cm.merge(new ConfusionMatrix(4))).toThrow(/4 classes/);
    expect(() => new ConfusionMatrix(0)).toThrow(/numClasses must be an integer >= 1/);
  });
});

describe('argmaxClasses', () => {
  it('picks the top class per pixel from [N, C, ...spatial] scores', () => {
    // N=1, C=3, H=1, W=2: pixel 0 scores (0.1, 0.7, 0.2), pixel 1 (0.5, 0.1, 0.4)
    expect(Array.from(argmaxClasses([0.1, 0.5, 0.7, 0.1, 0.2, 0.4], [1, 3, 1, 2]))).toEqual([1, 0]);
    expect(() => argmaxClasses([1, 2, 3], [1, 2, 2])).toThrow(/3 values do not fill shape \[1, 2, 2\]/);
  });
});
