import { describe, expect, it } from 'vitest';
import { contourAnalysis, rankCorrelation } from './contours.js';
import { pixelMethodGrids } from './pixel-contours.js';

// independent formulas for the terms, with A = 0.25, B = 0.5 (docs/paper.md)
const A = 0.25;
const B = 0.5;
const EPS = 1e-6;
const step1 = (l1: number, l2: number) => A * l1 - (1 - A) * l1 - B * l2;
const sqrtFilter = (u: number) => Math.sqrt(Math.max(u, 0) + EPS) - Math.sqrt(EPS);
const TERMS: Record<string, (l1: number, l2: number) => number> = {
  none: () => Number.NaN,
  'l1-l2': (l1, l2) => A * l1 + (1 - A) * l2,
  exponential: (l1, l2) => A * l1 * Math.exp((1 - A) * l2),
  'exponential-l1-l2': (l1, l2) => A * l1 * Math.exp((1 - A) * l2) + A * l1 + (1 - A) * l2,
  ema: (l1, l2) => A * step1(l1, l2) + (1 - A) * l2,
  'ema-nonlinear': (l1, l2) => sqrtFilter(A * step1(l1, l2) + (1 - A) * l2) + A * l1 * Math.exp((1 - A) * l2),
};

describe('Fig. 4 on a three-class pixel', () => {
  it("applies each method to the pixel's L1 and L2 (and CE for no method) like the formulas", () => {
    const n = 5;
    for (const g of pixelMethodGrids(n))
      g.values.forEach((v, k) => {
        const p1 = g.xs[k % n]!;
        const s = g.ys[Math.floor(k / n)]!;
        const p = [p1, (1 - p1) * s, (1 - p1) * (1 - s)];
        const l1 = (Math.abs(p[0]! - 1) + p[1]! + p[2]!) / 3;
        const l2 = ((p[0]! - 1) ** 2 + p[1]! ** 2 + p[2]! ** 2) / 3;
        if (g.method === 'none') expect(v).toBeCloseTo(-Math.log(p1), 12);
        else expect(v, `${g.method} at p1 = ${p1}, s = ${s}`).toBeCloseTo(TERMS[g.method]!(l1, l2), 12);
      });
  });

  it('has level sets of their own where the scalar reading has the same ones', () => {
    const [scalar, pixel] = contourAnalysis(20).tables!;
    // scalar residual: (c), (d), (f) are increasing functions of (b)'s |z|: rank correlation 1
    for (const row of scalar!.rows.filter((r) => /^\((c|d|f)\)/.test(String(r[1])))) expect(row[6]).toBeCloseTo(1, 12);
    // one pixel of a three-class model: every other method ranks the predictions differently
    for (const row of pixel!.rows.filter((r) => !String(r[0]).startsWith('(b)'))) expect(row[1] as number).toBeLessThan(0.99999);
  });
});

describe('rank correlation', () => {
  it('is 1 for an increasing transform, -1 for a decreasing one, and uses average ranks for ties', () => {
    const x = [3, 1, 4, 1.5, 9, 2.6];
    expect(rankCorrelation(x, x.map((v) => Math.exp(v)))).toBeCloseTo(1, 14);
    expect(rankCorrelation(x, x.map((v) => -v * v * v))).toBeCloseTo(-1, 14);
    // x = 1..4, y = (1, 2, 2, 3): ranks (0, 1.5, 1.5, 3); Pearson of the ranks = 0.9486832980505138
    expect(rankCorrelation([1, 2, 3, 4], [1, 2, 2, 3])).toBeCloseTo(3 / Math.sqrt(10), 14);
  });
});
