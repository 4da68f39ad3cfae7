import { catalogue, evaluate } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { createLossSession } from './session.js';

/** Logits near `offset` whose true class leads by at least `gap`: the exact cross-entropy is ~ (C-1) e^-gap, tiny but >= 0. */
function confident(gap: number, offset: number) {
  const [n, c, s] = [2, 3, 64];
  const pred = new Float64Array(n * c * s);
  const target = new Float64Array(n * c * s);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < s; p++) {
      const y = (b + p) % c;
      for (let k = 0; k < c; k++) {
        const i = (b * c + k) * s + p;
        pred[i] = Math.fround(offset + ((p * 7 + k * 3) % 11) / 4 + (k === y ? gap : -((p + k) % 5)));
        target[i] = k === y ? 1 : 0;
      }
    }
  const labels = Float64Array.from({ length: n * s }, (_, i) => (Math.floor(i / s) + (i % s)) % c);
  return {
    pred: { shape: [n, c, 8, 8], data: pred },
    target: { shape: [n, c, 8, 8], data: target },
    labels: { shape: [n, 8, 8], data: labels },
  };
}

describe('cross-entropy of confident correct logits', () => {
  for (const [gap, offset] of [
    [20, 0],
    [30, 50],
    [12, -40],
    [25, 1e3],
    [8, 0],
    [16, 3e3],
  ] as const)
    it(`gap ${gap}, offset ${offset}: never negative, within float32 of the reference`, async () => {
      for (const loss of [catalogue.categoricalCrossEntropy(), catalogue.sparseCategoricalCrossEntropy({ numClasses: 3 })]) {
      const { labels, target, pred } = confident(gap, offset);
      const inputs = loss.inputs.labels ? { pred, labels } : { pred, target };
      const reference = evaluate(loss.expr, { inputs }).value.data[0]!;
      const session = await createLossSession(loss, { intraOpThreads: 1 });
      const out = await session.run({ inputs });
      await session.release();
      const value = out.valueData[0]!;
      expect(value).toBeGreaterThanOrEqual(0);
      // per pixel log(sum_c e^(z - max)) is the log of a float32 near 1: at most half an ulp of 1 off
      expect(Math.abs(value - reference), loss.name).toBeLessThanOrEqual(6e-8 + 1e-3 * reference);
      }
    });
});
