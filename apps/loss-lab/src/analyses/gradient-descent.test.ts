import { input, toLatex } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { evaluateColumns, gradientColumns } from '../core-eval.js';
import { PAPER_EQUATIONS } from '../equations.js';
import { OPERATING_POINT, sweep } from './covariates.js';
import { STARTS, belowExpCap, compareDerivatives, descend, samplePoints } from './gradient-descent.js';
import { landscapeScale } from './landscape.js';

/** Central difference in float64. */
const central = (f: (t: number) => number, t: number, h = 1e-6) => (f(t + h) - f(t - h)) / (2 * h);

describe('derivatives of Eqs. (1)-(9) against the printed Eqs. (10)-(18)', () => {
  it("the core's dE/dL1, dE/dL2 match central differences of the equation", () => {
    const L1 = input('L1', ['batch']);
    const L2 = input('L2', ['batch']);
    const Ai = input('A', ['batch']);
    const Bi = input('B', ['batch']);
    const pts = samplePoints(6);
    for (const eq of PAPER_EQUATIONS) {
      const expr = eq.build({ L1, L2, A: Ai, B: Bi });
      const [d1, d2] = gradientColumns(expr, [L1, L2], pts);
      pts.L1.forEach((_, i) => {
        const at = (l1: number, l2: number) =>
          evaluateColumns(expr, {
            L1: Float64Array.of(l1),
            L2: Float64Array.of(l2),
            A: Float64Array.of(pts.A[i]!),
            B: Float64Array.of(pts.B[i]!),
          })[0]!;
        expect(d1![i]).toBeCloseTo(central((t) => at(t, pts.L2[i]!), pts.L1[i]!), 5);
        expect(d2![i]).toBeCloseTo(central((t) => at(pts.L1[i]!, t), pts.L2[i]!), 5);
      });
    }
  });

  it('flags exactly the printed forms that drop a term', () => {
    const verdict = Object.fromEntries(compareDerivatives().map((c) => [c.equation, c.agrees]));
    // (10), (11), (13), (14) are the derivatives of (1), (2), (4), (5); (12) drops d/dL1 of
    // A L1 e^((1-A) L2) = A e^((1-A) L2), (15)-(18) drop the exponential term's derivative
    expect(verdict).toEqual({ 1: true, 2: true, 3: false, 4: true, 5: true, 6: false, 7: false, 8: false, 9: false });
  });
});

describe('gradient-descent trajectories', () => {
  it('takes the steps of plain gradient descent on the scaled bowl', () => {
    const scale = landscapeScale(41);
    const eta = 0.1 * scale;
    const paths = descend(3, eta, scale).filter((p) => p.method === 'none');
    expect(paths).toHaveLength(STARTS.length);
    for (const p of paths) {
      let [x, y] = STARTS[p.start]!;
      for (let t = 0; t <= 3; t++) {
        expect(p.x[t]).toBeCloseTo(x, 12);
        expect(p.y[t]).toBeCloseTo(y, 12);
        expect(p.value[t]).toBeCloseTo((x * x + 4 * x + y * y - 6 * y) / scale, 12);
        // grad f / scale = (2x + 4, 2y - 6) / scale
        [x, y] = [x - (eta * (2 * x + 4)) / scale, y - (eta * (2 * y - 6)) / scale];
      }
    }
  });

  it('ends on the valley f = 0 for the L1 + L2 method', () => {
    const scale = landscapeScale(41);
    for (const p of descend(200, 0.1 * scale, scale).filter((q) => q.method === 'l1-l2')) {
      const [x, y] = [p.x.at(-1)!, p.y.at(-1)!];
      // the kink of A|z| moves a fixed-step path by eta * A * |grad f|^2 / scale ~ 0.025 * 4 * 13 = 1.3
      // in f per step on the valley circle (|grad f| = 2 sqrt(13)): it hops across f = 0 within that
      expect(Math.abs(x * x + 4 * x + y * y - 6 * y)).toBeLessThan(1.4);
      const [x0, y0] = STARTS[p.start]!;
      expect(Math.abs(x0 * x0 + 4 * x0 + y0 * y0 - 6 * y0)).toBeGreaterThan(10);
    }
  });
});

describe('the EMA methods with a stateful moving average', () => {
  it('scale the printed gradient by (1 - d) / (1 - d^t) at the t-th step', () => {
    const scale = landscapeScale(41);
    const eta = 0.1 * scale;
    const [A, B, d] = [0.25, 0.5, 0.9];
    // Eq. (5) on z = f / scale: V(z) = A (A|z| - (1-A)|z| - B z^2) + (1-A) z^2
    const dV = (z: number) => A * (2 * A - 1) * Math.sign(z) + (2 * (1 - A) - 2 * A * B) * z;
    const f = (x: number, y: number) => x * x + 4 * x + y * y - 6 * y;
    const paths = descend(4, eta, scale, 'stateful').filter((p) => p.method === 'ema');
    expect(paths).toHaveLength(STARTS.length);
    for (const p of paths)
      for (let t = 0; t < 4; t++) {
        const [x, y] = [p.x[t]!, p.y[t]!];
        const factor = (1 - d) / (1 - d ** (t + 1));
        const g = dV(f(x, y) / scale) / scale;
        expect(p.x[t + 1]).toBeCloseTo(x - eta * factor * g * (2 * x + 4), 12);
        expect(p.y[t + 1]).toBeCloseTo(y - eta * factor * g * (2 * y - 6), 12);
      }
    expect(descend(1, eta, scale, 'stateful').map((p) => p.method)).not.toContain('l1-l2');
    // bias correction: the first step of the moving average is the printed equation's step
    const literal = descend(1, eta, scale, 'literal').filter((p) => p.method === 'ema-nonlinear');
    const stateful = descend(3, eta, scale, 'stateful').filter((p) => p.method === 'ema-nonlinear');
    stateful.forEach((p, k) => {
      expect(p.x[1]).toBeCloseTo(literal[k]!.x[1]!, 12);
      expect(p.x.every(Number.isFinite)).toBe(true);
    });
  });
});

describe('covariate sweeps', () => {
  it('gives the value and |grad_(L1, L2)| of each equation at the operating point', () => {
    const { L1: l1, L2: l2 } = OPERATING_POINT;
    const eq1 = PAPER_EQUATIONS[0]!;
    const A = Float64Array.of(0, 0.3, 1);
    const s = sweep(eq1, A, Float64Array.of(0.5, 0.5, 0.5));
    A.forEach((a, i) => {
      expect(s.value[i]).toBeCloseTo(a * l1 + (1 - a) * l2, 14);
      expect(s.gradientNorm[i]).toBeCloseTo(Math.hypot(a, 1 - a), 14);
    });
    const eq7 = PAPER_EQUATIONS[6]!;
    const s7 = sweep(eq7, Float64Array.of(0.4), Float64Array.of(0.8));
    const f = (u: number, v: number) => 0.4 * (0.4 * u - 0.8 * u - 0.8 * v) + 0.8 * v + 0.4 * u * Math.exp(0.8 * v);
    expect(s7.value[0]).toBeCloseTo(f(l1, l2), 14);
    expect(s7.gradientNorm[0]).toBeCloseTo(Math.hypot(central((t) => f(t, l2), l1), central((t) => f(l1, t), l2)), 6);
  });
});

describe('typesetting below the exponential cap', () => {
  it('keeps the value of every derivative where the exponent is below 30', () => {
    const L1 = input('L1', ['batch']);
    const L2 = input('L2', ['batch']);
    const A = input('A', ['batch']);
    const B = input('B', ['batch']);
    const pts = samplePoints(8);
    for (const c of compareDerivatives()) {
      const eq = PAPER_EQUATIONS.find((e) => e.number === c.equation)!;
      const [d1] = gradientColumns(eq.build({ L1, L2, A, B }), [L1], pts);
      const shown = evaluateColumns(belowExpCap(c.core[0]), pts);
      shown.forEach((v, i) => {
        expect(v).toBeCloseTo(d1![i]!, 12);
      });
      // no trace of the cap (min(x, 30), [x < 30], its tangent e^30) is left in what is typeset
      for (const d of c.core) expect(toLatex(belowExpCap(d))).not.toMatch(/\\min|\b30\b|10686474581524/);
    }
  });
});
