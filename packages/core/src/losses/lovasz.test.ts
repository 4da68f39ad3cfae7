import { describe, expect, it } from 'vitest';
import { input } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { finiteDifferenceGradient, maxRelativeError, seededRandom } from '../testing/finite-difference.js';
import { compat } from '../compat/index.js';
import { lovaszHinge, lovaszSoftmax } from './lovasz.js';

/**
 * Plain-JS transcription of Berman's reference (smp losses/lovasz.py: _lovasz_grad,
 * _lovasz_hinge_flat, _lovasz_softmax_flat): ignored pixels removed, a real sort, the Jaccard
 * differences taken as written. Shares no code with the IR builders.
 */
function lovaszFlat(errors: number[], fg: number[], keys: number[] = errors): number {
  const order = keys.map((_, i) => i).sort((a, b) => keys[b]! - keys[a]! || a - b);
  const gts = fg.reduce((a, v) => a + v, 0);
  let cumFg = 0;
  let cumBg = 0;
  let previous = 0;
  let total = 0;
  order.forEach((i, k) => {
    cumFg += fg[i]!;
    cumBg += 1 - fg[i]!;
    const jaccard = 1 - (gts - cumFg) / (gts + cumBg);
    total += errors[i]! * (k === 0 ? jaccard : jaccard - previous);
    previous = jaccard;
  });
  return total;
}
const meanOf = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, v) => a + v, 0) / xs.length);

/** smp's _lovasz_softmax on probabilities [N, C, S] and labels [N, S], classes 'present'. */
function referenceSoftmax(p: Float64Array, labels: Float64Array, N: number, C: number, S: number, perImage: boolean, ignore?: number): number {
  const flat = (images: number[]) => {
    const losses: number[] = [];
    for (let c = 0; c < C; c++) {
      const errors: number[] = [];
      const fg: number[] = [];
      for (const b of images)
        for (let s = 0; s < S; s++) {
          const label = labels[b * S + s]!;
          if (label === ignore) continue;
          const f = label === c ? 1 : 0;
          fg.push(f);
          errors.push(Math.abs(f - p[(b * C + c) * S + s]!));
        }
      if (fg.some((f) => f > 0)) losses.push(lovaszFlat(errors, fg));
    }
    return meanOf(losses);
  };
  const all = Array.from({ length: N }, (_, b) => b);
  return perImage ? meanOf(all.map((b) => flat([b]))) : flat(all);
}

/** smp's _lovasz_hinge on logits [N, C, S] and a 0/1 target of the same shape (every channel pooled). */
function referenceHinge(z: Float64Array, t: Float64Array, N: number, perImage: boolean, valid?: (i: number) => boolean): number {
  const per = z.length / N;
  const flat = (from: number, to: number) => {
    const errors: number[] = [];
    const fg: number[] = [];
    for (let i = from; i < to; i++) {
      if (valid && !valid(i)) continue;
      errors.push(1 - z[i]! * (2 * t[i]! - 1));
      fg.push(t[i]!);
    }
    // sorted by the raw errors, relu after, as smp (lovaszHinge sorts the relu'd errors: same value)
    return lovaszFlat(errors.map((e) => Math.max(0, e)), fg, errors);
  };
  return perImage ? meanOf(Array.from({ length: N }, (_, b) => flat(b * per, (b + 1) * per))) : flat(0, z.length);
}

const pred = input('pred');
const softmaxOf = (z: Float64Array, N: number, C: number, S: number) => {
  const p = new Float64Array(z.length);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < S; s++) {
      const e = Array.from({ length: C }, (_, c) => Math.exp(z[(b * C + c) * S + s]!));
      const total = e.reduce((a, v) => a + v, 0);
      e.forEach((v, c) => {
        p[(b * C + c) * S + s] = v / total;
      });
    }
  return p;
};

function checkGradient(expr: Parameters<typeof gradient>[0], inputs: Record<string, { shape: number[]; data: Float64Array }>) {
  const env = { inputs };
  const g = evaluate(gradient(expr, pred), env).value.data;
  expect(g.every(Number.isFinite)).toBe(true);
  // random data has no ties, so the loss is smooth around it; h = 1e-6 stays inside one sort order
  expect(maxRelativeError(g, finiteDifferenceGradient(expr, 'pred', env))).toBeLessThan(1e-6);
}

describe('Lovász-softmax', () => {
  it.each([
    [false, undefined],
    [true, undefined],
    [false, 2],
    [true, 0],
  ])('perImage %s, ignore %s: value as the reference (a real sort), gradient as finite differences', (perImage, ignore) => {
    const N = 2;
    const C = 3;
    const S = 7;
    const r = seededRandom(5 + (perImage ? 1 : 0) + (ignore ?? 9));
    const z = Float64Array.from({ length: N * C * S }, () => -3 + 6 * r());
    // class 1 is absent from image 0, so 'present' differs per image
    const labels = Float64Array.from({ length: N * S }, (_, i) => (i < S ? [0, 2][Math.floor(r() * 2)]! : Math.floor(r() * C)));
    const loss = lovaszSoftmax({ sparse: true, numClasses: C, perImage, ...(ignore === undefined ? {} : { ignoreIndex: ignore }) });
    const inputs = { pred: { shape: [N, C, S], data: z }, labels: { shape: [N, S], data: labels } };
    expect(evaluateScalar(loss.expr, { inputs })).toBeCloseTo(referenceSoftmax(softmaxOf(z, N, C, S), labels, N, C, S, perImage, ignore), 12);
    checkGradient(loss.expr, inputs);
  });

  it("classes 'all' and a list average the chosen classes, present or not", () => {
    const p = Float64Array.from([0.7, 0.2, 0.6, 0.3, 0.8, 0.4]); // [1, 2, 3] probabilities
    const labels = Float64Array.from([0, 0, 0]); // class 1 absent
    const inputs = { pred: { shape: [1, 2, 3], data: p }, labels: { shape: [1, 3], data: labels } };
    const e0 = lovaszFlat([0.3, 0.8, 0.4], [1, 1, 1]); // (0.8 + 0.4 + 0.3) / 3
    const e1 = lovaszFlat([0.3, 0.8, 0.4], [0, 0, 0]); // no foreground: the largest error
    const build = (classes: 'present' | 'all' | number[]) => lovaszSoftmax({ sparse: true, numClasses: 2, fromLogits: false, classes });
    expect(evaluateScalar(build('present').expr, { inputs })).toBeCloseTo(e0, 12);
    expect(evaluateScalar(build('all').expr, { inputs })).toBeCloseTo((e0 + e1) / 2, 12);
    expect([e0, e1]).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.8, 12)]);
    expect(evaluateScalar(build([1]).expr, { inputs })).toBeCloseTo(e1, 12);
  });

  it('soft targets, a class whose foreground sums below 1 included: as the reference', () => {
    const p = Float64Array.from([0.7, 0.2, 0.6, 0.3, 0.8, 0.4]);
    const t = Float64Array.from([0.9, 1, 0.6, 0.1, 0, 0.4]); // class 0 sums to 2.5, class 1 to 0.5
    const inputs = { pred: { shape: [1, 2, 3], data: p }, target: { shape: [1, 2, 3], data: t } };
    const expected = (lovaszFlat([0.2, 0.8, 0], [0.9, 1, 0.6]) + lovaszFlat([0.2, 0.8, 0], [0.1, 0, 0.4])) / 2;
    expect(evaluateScalar(lovaszSoftmax({ fromLogits: false, classes: 'all', numClasses: 2 }).expr, { inputs })).toBeCloseTo(expected, 12);
  });

  it('every pixel ignored gives 0 (as smp), with a zero gradient', () => {
    const inputs = { pred: { shape: [1, 2, 2], data: Float64Array.from([1, 2, 3, 4]) }, labels: { shape: [1, 2], data: Float64Array.from([9, 9]) } };
    const loss = lovaszSoftmax({ sparse: true, numClasses: 2, ignoreIndex: 9 });
    expect(evaluateScalar(loss.expr, { inputs })).toBe(0);
    expect([...evaluate(gradient(loss.expr, pred), { inputs }).value.data]).toEqual([0, 0, 0, 0]);
  });
});

describe('Lovász hinge', () => {
  it('per image 1.625, over the batch 7/6 (computed by hand from Alg. 1: errors [3, 0] and [0.5, -0.5])', () => {
    // pytorch_optimizer's earlier test_lovasz_hinge_loss data: logits [[2, -1], [0.5, 1.5]], image 1 foreground
    const inputs = { pred: { shape: [2, 1, 2], data: Float64Array.from([2, -1, 0.5, 1.5]) }, target: { shape: [2, 1, 2], data: Float64Array.from([0, 0, 1, 1]) } };
    expect(evaluateScalar(lovaszHinge({ perImage: true }).expr, { inputs })).toBeCloseTo(1.625, 12);
    expect(evaluateScalar(lovaszHinge().expr, { inputs })).toBeCloseTo(7 / 6, 12);
  });

  it.each([
    ['binary', false],
    ['binary', true],
    ['multilabel', false],
    ['multilabel', true],
  ] as const)('%s, perImage %s: value as the reference, gradient as finite differences', (mode, perImage) => {
    const N = 2;
    const C = mode === 'binary' ? 1 : 3;
    const S = 6;
    const r = seededRandom(mode.length + (perImage ? 3 : 0));
    const z = Float64Array.from({ length: N * C * S }, () => -2 + 4 * r());
    const t = Float64Array.from({ length: N * C * S }, () => (r() < 0.4 ? 1 : 0));
    const inputs = { pred: { shape: [N, C, S], data: z }, target: { shape: [N, C, S], data: t } };
    const loss = lovaszHinge({ mode, perImage });
    expect(evaluateScalar(loss.expr, { inputs })).toBeCloseTo(referenceHinge(z, t, N, perImage), 12);
    checkGradient(loss.expr, inputs);
  });

  it('sparse binary labels with an ignore index: as the reference with those pixels removed', () => {
    const N = 2;
    const S = 8;
    const r = seededRandom(77);
    const z = Float64Array.from({ length: N * S }, () => -2 + 4 * r());
    const labels = Float64Array.from({ length: N * S }, (_, i) => (i % 5 === 2 ? 255 : r() < 0.5 ? 1 : 0));
    const inputs = { pred: { shape: [N, 1, S], data: z }, labels: { shape: [N, S], data: labels } };
    const t = Float64Array.from(labels, (l) => (l === 1 ? 1 : 0));
    for (const perImage of [false, true]) {
      const loss = lovaszHinge({ sparse: true, ignoreIndex: 255, perImage });
      expect(evaluateScalar(loss.expr, { inputs })).toBeCloseTo(referenceHinge(z, t, N, perImage, (i) => labels[i] !== 255), 12);
      checkGradient(loss.expr, inputs);
    }
  });
});

describe('compat.smp.LovaszLoss', () => {
  it('multiclass is Lovász-softmax on softmax(pred), binary and multilabel the hinge on the logits', () => {
    const z = Float64Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i * 1.7) * 2);
    const labels = Float64Array.from([0, 1, 2, 2, 1, 1, 0, 2]);
    const inputs = { pred: { shape: [2, 3, 4], data: z }, labels: { shape: [2, 4], data: labels } };
    const smp = compat.smp.LovaszLoss('multiclass', { numClasses: 3 });
    expect(evaluateScalar(smp.expr, { inputs })).toBeCloseTo(referenceSoftmax(softmaxOf(z, 2, 3, 4), labels, 2, 3, 4, false), 12);
    const binary = compat.smp.LovaszLoss('binary', { perImage: true, ignoreIndex: 2 });
    const zb = z.slice(0, 8);
    const bInputs = { pred: { shape: [2, 1, 4], data: zb }, labels: { shape: [2, 4], data: labels } };
    const tb = Float64Array.from(labels, (l) => (l === 1 ? 1 : 0));
    expect(evaluateScalar(binary.expr, { inputs: bInputs })).toBeCloseTo(referenceHinge(zb, tb, 2, true, (i) => labels[i] !== 2), 12);
    expect(compat.smp.LovaszLoss('multilabel').inputs.target?.domain).toBe('binary');
  });

  it('says what is missing or wrong', () => {
    expect(() => compat.smp.LovaszLoss('multiclass')).toThrow(/numClasses/);
    expect(() => compat.smp.LovaszLoss('multilabel', { ignoreIndex: 1 })).toThrow(/ignoreIndex/);
    expect(() => compat.smp.LovaszLoss('nope' as 'binary')).toThrow(/mode/);
  });
});
