import { describe, expect, it } from 'vitest';
import { elu, input, sub } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { finiteDifferenceGradient, maxRelativeError } from '../testing/finite-difference.js';
import { EXP_CAP, cappedExp, paperEquations } from './equations.js';
import { PAPER_FILTERS } from './filters.js';

const L1 = input('L1', []);
const L2 = input('L2', []);
const scalar = (x: number) => ({ shape: [] as number[], data: Float64Array.of(x) });

/** Eqs. (1)-(9) as printed, in plain JS, with the sqrt and Bi-eLU readings of docs/paper.md. */
const eluJs = (z: number) => (z > 0 ? z : Math.expm1(z));
const PRINTED: Record<number, (l1: number, l2: number, A: number, B: number) => number> = {
  1: (l1, l2, A) => A * l1 + (1 - A) * l2,
  2: (l1, l2, A, B) => A * l1 + B * l2,
  3: (l1, l2, A) => A * l1 * Math.exp((1 - A) * l2),
  4: (l1, l2, A, B) => A * (A * l1 - (1 - A) * l1 - B * l2) + B * l2,
  5: (l1, l2, A, B) => A * (A * l1 - (1 - A) * l1 - B * l2) + (1 - A) * l2,
  6: (l1, l2, A, B) =>
    Math.sqrt(Math.max(A * (A * l1 - (1 - A) * l1 - B * l2) + (1 - A) * l2, 0) + 1e-6) - 1e-3 + A * l1 * Math.exp((1 - A) * l2),
  7: (l1, l2, A, B) => A * (A * l1 - B * l1 - B * l2) + B * l2 + A * l1 * Math.exp(B * l2),
  8: (l1, l2, A, B) => Math.max(A * (A * l1 - B * l1 - B * l2) + B * l2, 0) + A * l1 * Math.exp(B * l2),
  9: (l1, l2, A, B) => {
    const z = A * (A * l1 - B * l1 - B * l2) + B * l2;
    return eluJs(z) - eluJs(-z) + A * l1 * Math.exp(B * l2);
  },
};

const POINTS: Array<[number, number, number, number]> = [
  [0.3, 0.1, 0.25, 0.5],
  [0.05, 0.04, 0.25, 0.5],
  [0.8, 0.6, 0.7, 0.2],
  [0.2, 0.01, 0.1, 2],
];

describe('paperEquations', () => {
  it('lists Eqs. (1)-(9) with printed forms and the paper derivatives (10)-(18)', () => {
    expect(paperEquations.map((e) => e.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of paperEquations) {
      expect(e.printed.length).toBeGreaterThan(5);
      expect(e.paperDerivative).toMatch(/\\partial/);
    }
  });
  for (const eq of paperEquations)
    it(`Eq. (${eq.number}) matches the printed formula, with exact derivatives in L1 and L2`, () => {
      const expr = eq.build(L1, L2);
      for (const [l1, l2, A, B] of POINTS) {
        const env = { inputs: { L1: scalar(l1), L2: scalar(l2) }, params: { A, B } };
        expect(evaluateScalar(expr, env)).toBeCloseTo(PRINTED[eq.number]!(l1, l2, A, B), 13);
        const [d1, d2] = gradient(expr, [L1, L2]).map((g) => evaluateScalar(g, env));
        expect(maxRelativeError([d1!], finiteDifferenceGradient(expr, 'L1', env))).toBeLessThan(1e-7);
        expect(maxRelativeError([d2!], finiteDifferenceGradient(expr, 'L2', env))).toBeLessThan(1e-7);
      }
    });
});

describe('filters', () => {
  const z = input('z', []);
  const at = (node: ReturnType<typeof input>, x: number) => evaluateScalar(node, { inputs: { z: scalar(x) } });
  it('Bi-eLU as printed, eLU(z) - eLU(z), is identically 0; ours, eLU(z) - eLU(-z), is odd and not 0', () => {
    const printed = sub(elu(z), elu(z));
    const ours = PAPER_FILTERS.biElu(z);
    for (const x of [-2, -0.5, 0.3, 4]) {
      expect(at(printed, x)).toBe(0);
      expect(at(ours, x)).toBeCloseTo(-at(ours, -x), 14);
      expect(at(ours, x)).not.toBe(0);
    }
  });
  it('Bi-ReLU of one scalar is the identity', () => {
    for (const x of [-2, -0.5, 0, 0.3, 4]) expect(at(PAPER_FILTERS.biRelu(z), x)).toBe(x);
  });
  it('sqrt of a negative argument is 0 with slope 0, never NaN; the slope at 0+ is bounded', () => {
    const f = PAPER_FILTERS.sqrt(z);
    const slope = gradient(f, z);
    for (const x of [-3, -1e-9, 0]) {
      expect(at(f, x)).toBeCloseTo(0, 14);
      expect(at(slope, x)).toBe(0);
    }
    expect(at(slope, 1e-12)).toBeLessThanOrEqual(500);
    expect(at(f, 0.25)).toBeCloseTo(Math.sqrt(0.25 + 1e-6) - 1e-3, 14);
  });
  it('cappedExp: e^x below the cap, the tangent line beyond, continuous in value and slope, finite for huge exponents', () => {
    const x = input('x', []);
    const f = cappedExp(x);
    const slope = gradient(f, x);
    const val = (node: typeof f, v: number) => evaluateScalar(node, { inputs: { x: scalar(v) } });
    expect(val(f, 2)).toBeCloseTo(Math.exp(2), 12);
    const below = val(f, EXP_CAP - 1e-9);
    const above = val(f, EXP_CAP + 1e-9);
    expect(Math.abs(above - below) / below).toBeLessThan(1e-8);
    expect(Math.abs(val(slope, EXP_CAP + 1e-9) - val(slope, EXP_CAP - 1e-9)) / below).toBeLessThan(1e-8);
    for (const v of [1e3, 1e8, 1e20, 1e250]) {
      expect(Number.isFinite(val(f, v))).toBe(true);
      expect(Number.isFinite(val(slope, v))).toBe(true);
    }
    expect(evaluate(gradient(f, x), { inputs: { x: scalar(-1e6) } }).value.data[0]).toBe(0);
  });
});
