import { describe, expect, it } from 'vitest';
import { contourAnalysis, generator, methodGrids } from './contours.js';
import { equationSurfaces } from './equation-surfaces.js';
import { HISTOGRAM_GRIDS, histogram } from './histograms.js';
import { landscapeAnalysis, landscapeSurfaces } from './landscape.js';

// Independent float64 formulas for the six methods, written from the paper and the catalogue's
// documented choices (docs/paper.md), not through the core.
const A = 0.25;
const B = 0.5;
const EPS = 1e-6;
const expTerm = (l1: number, l2: number, k: number) => A * l1 * Math.exp(k * l2);
const step1Mixed = (l1: number, l2: number) => A * l1 - (1 - A) * l1 - B * l2;
const step1Linear = (l1: number, l2: number) => A * l1 - B * l1 - B * l2;
const sqrtFilter = (u: number) => Math.sqrt(Math.max(u, 0) + EPS) - Math.sqrt(EPS);
const elu = (u: number) => (u > 0 ? u : Math.exp(u) - 1);
const METHOD_FORMULAS: Record<string, (z: number) => number> = {
  none: (z) => z,
  'l1-l2': (z) => A * Math.abs(z) + (1 - A) * z * z,
  exponential: (z) => expTerm(Math.abs(z), z * z, 1 - A),
  'exponential-l1-l2': (z) => expTerm(Math.abs(z), z * z, 1 - A) + A * Math.abs(z) + (1 - A) * z * z,
  ema: (z) => A * step1Mixed(Math.abs(z), z * z) + (1 - A) * z * z,
  'ema-nonlinear': (z) =>
    sqrtFilter(A * step1Mixed(Math.abs(z), z * z) + (1 - A) * z * z) + expTerm(Math.abs(z), z * z, 1 - A),
};
const EQUATION_FORMULAS: Record<number, (l1: number, l2: number) => number> = {
  1: (l1, l2) => A * l1 + (1 - A) * l2,
  2: (l1, l2) => A * l1 + B * l2,
  3: (l1, l2) => expTerm(l1, l2, 1 - A),
  4: (l1, l2) => A * step1Mixed(l1, l2) + B * l2,
  5: (l1, l2) => A * step1Mixed(l1, l2) + (1 - A) * l2,
  6: (l1, l2) => sqrtFilter(A * step1Mixed(l1, l2) + (1 - A) * l2) + expTerm(l1, l2, 1 - A),
  7: (l1, l2) => A * step1Linear(l1, l2) + B * l2 + expTerm(l1, l2, B),
  8: (l1, l2) => Math.max(0, A * step1Linear(l1, l2) + B * l2) + expTerm(l1, l2, B),
  9: (l1, l2) => {
    const u = A * step1Linear(l1, l2) + B * l2;
    return elu(u) - elu(-u) + expTerm(l1, l2, B);
  },
};

describe('loss landscapes (Fig. 2)', () => {
  it('evaluates each method on the scaled bowl like the formulas do', () => {
    const n = 5;
    const { scale, surfaces } = landscapeSurfaces(n);
    const f = (x: number, y: number) => x * x + 4 * x + y * y - 6 * y;
    // the corners of [-7, 3] x [-2, 8]: f(3, 8) = 9 + 12 + 64 - 48 = 37 is the largest |f|
    expect(scale).toBe(37);
    for (const s of surfaces)
      s.ys.forEach((y, j) => {
        s.xs.forEach((x, i) => {
          expect(s.values[j * n + i]).toBeCloseTo(METHOD_FORMULAS[s.method]!(f(x, y) / scale), 12);
        });
      });
  });

  it('puts the minimum of the plain bowl at (-2, 3)', () => {
    const table = landscapeAnalysis(11).tables![0]!;
    const [, min, x, y] = table.rows[0]!;
    expect([min, x, y]).toEqual([-13 / 37, -2, 3]);
  });
});

describe('contour maps (Fig. 4) and histograms (Fig. 5)', () => {
  it('applies every method to the generated values on both grids', () => {
    const grids = methodGrids(
      [
        { balance: 'unbalanced', x: [0, 5], y: [0, 5] },
        { balance: 'balanced', x: [-5, 5], y: [0, 5] },
      ],
      4,
    );
    expect(grids).toHaveLength(12);
    for (const g of grids) {
      expect(g.xs[0]).toBe(g.balance === 'balanced' ? -5 : 0);
      g.values.forEach((v, k) => {
        const x = g.xs[k % 4]!;
        const y = g.ys[Math.floor(k / 4)]!;
        const z = Math.sin(x) ** 10 + Math.cos(10 + y * x) * Math.cos(x);
        expect(g.generated[k]).toBeCloseTo(z, 14);
        expect(v).toBeCloseTo(METHOD_FORMULAS[g.method]!(z), 12);
      });
    }
  });

  it('draws a 40 x 40 grid per panel', () => {
    const rows = contourAnalysis(40).figures[0]!.rows;
    expect(rows).toHaveLength(12 * 40 * 40);
    expect(generator(0, 0)).toBeCloseTo(Math.cos(10), 14);
  });

  it('bins values like an independent count', () => {
    const values = [0, 0.1, 0.25, 0.5, 0.5, 0.99, 1, Number.NaN];
    const h = histogram(values, 4);
    expect(h).toEqual({ lo: 0, hi: 1, counts: [2, 1, 2, 2], nonFinite: 1 });
    const grid = methodGrids([HISTOGRAM_GRIDS[1]!], 6)[2]!;
    const counted = histogram(grid.values, 5);
    expect(counted.counts.reduce((a, b) => a + b, 0)).toBe(36);
    const width = (counted.hi - counted.lo) / 5;
    const independent = [0, 1, 2, 3, 4].map(
      (k) =>
        Array.from(grid.values).filter((v) => {
          const lo = counted.lo + k * width;
          return k === 4 ? v >= lo - 1e-12 : v >= lo - 1e-12 && v < lo + width - 1e-12;
        }).length,
    );
    expect(counted.counts).toEqual(independent);
  });
});

describe('equation surfaces (Figs. 7-8)', () => {
  it('evaluates Eqs. (1)-(9) over the (L1, L2) grid like the formulas', () => {
    const n = 4;
    const surfaces = equationSurfaces(n, { A, B });
    expect(surfaces.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const s of surfaces)
      s.values.forEach((v, k) => {
        expect(v).toBeCloseTo(EQUATION_FORMULAS[s.number]!(s.l1[k % n]!, s.l2[Math.floor(k / n)]!), 12);
      });
  });

  it('follows the covariates it is given', () => {
    const [eq2] = equationSurfaces(3, { A: 0.9, B: 0.1 }).slice(1, 2);
    // L1 = 1, L2 = 0.5 is cell (i = 2, j = 1)
    expect(eq2!.values[1 * 3 + 2]).toBeCloseTo(0.9 * 1 + 0.1 * 0.5, 14);
  });
});
