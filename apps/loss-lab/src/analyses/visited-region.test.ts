import { describe, expect, it } from 'vitest';
import { lowerL2, pixelUpperL2, reachableByBatchMean } from './visited-region.js';

/** L1, L2 of one pixel: softmax output p, one-hot target at class 0. */
const pixel = (p: readonly number[]) => [
  (Math.abs(p[0]! - 1) + p.slice(1).reduce((s, v) => s + v, 0)) / p.length,
  ((p[0]! - 1) ** 2 + p.slice(1).reduce((s, v) => s + v * v, 0)) / p.length,
];

describe('the region (L1, L2) a C-class softmax can reach', () => {
  it('puts random pixels and their batch means inside it, with both pixel bounds attained', () => {
    const C = 5;
    let seed = 7;
    const u = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const batch: number[][] = [];
    for (let k = 0; k < 400; k++) {
      const w = Array.from({ length: C }, () => (-Math.log(u())) ** (1 + 3 * u()));
      const s = w.reduce((a, b) => a + b, 0);
      const [l1, l2] = pixel(w.map((v) => v / s));
      expect(l2).toBeGreaterThanOrEqual(lowerL2(l1!, C) - 1e-12);
      expect(l2).toBeLessThanOrEqual(pixelUpperL2(l1!, C) + 1e-12);
      batch.push([l1!, l2!]);
    }
    const mean = [0, 1].map((d) => batch.reduce((s, r) => s + r[d]!, 0) / batch.length);
    expect(reachableByBatchMean(mean[0]!, mean[1]!, C)).toBe(true);
    // spread evenly: the lower bound; all wrong mass on one class: the upper one
    const [a1, a2] = pixel([0.6, 0.1, 0.1, 0.1, 0.1]);
    expect(a2).toBeCloseTo(lowerL2(a1!, C), 14);
    const [b1, b2] = pixel([0.6, 0.4, 0, 0, 0]);
    expect(b2).toBeCloseTo(pixelUpperL2(b1!, C), 14);
  });

  it('never reaches L2 > L1, nor L1 > 2 / C', () => {
    expect(reachableByBatchMean(0.2, 0.21, 5)).toBe(false);
    expect(reachableByBatchMean(0.41, 0.2, 5)).toBe(false);
    expect(reachableByBatchMean(0.2, 0.2, 5)).toBe(true); // the chord: half the pixels right, half one-class wrong
    expect(reachableByBatchMean(0.2, lowerL2(0.2, 5) - 1e-3, 5)).toBe(false);
  });
});
