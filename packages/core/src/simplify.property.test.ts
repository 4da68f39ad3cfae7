import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as L from './index.js';
import type { Node, Tensor } from './index.js';
import { ARBITRARY_CLASSES, ARBITRARY_LEAVES, expressionArbitrary } from './testing/arbitrary.js';
import { seededRandom } from './testing/finite-difference.js';

const SHAPE = [2, ARBITRARY_CLASSES, 2];

function randomEnv(seed: number): L.Environment {
  const random = seededRandom(seed);
  const draw = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => lo + (hi - lo) * random());
  return {
    inputs: {
      pred: { shape: SHAPE, data: draw(12, -2, 2) },
      target: { shape: SHAPE, data: draw(12, -2, 2) },
      weights: { shape: [ARBITRARY_CLASSES], data: draw(3, 0.5, 1.5) },
    },
    params: { A: 0.3 },
    state: { count: 2, 'ema.mean': { shape: [ARBITRARY_CLASSES], data: draw(3, -1, 1) } },
  };
}

/** Agreement to rounding: |a - b| <= tol * max(1, |a|). */
function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a));
}

/** Indices where `reference` is finite but `candidate` differs from it beyond rounding. */
function mismatches(reference: Tensor, candidate: Tensor, tol: number): number[] {
  const bad: number[] = [];
  reference.data.forEach((a, i) => {
    if (Number.isFinite(a) && !close(a, candidate.data[i]!, tol)) bad.push(i);
  });
  return bad;
}

const runs = { numRuns: 300, seed: 20261127 };
// Rewrites reassociate constants (c*(k*x) -> (c*k)*x), so values agree to rounding, not bit for bit.
const TOL = 1e-8;

describe('simplify over random expression graphs', () => {
  it('keeps the value wherever the original is finite, and keeps the roles', () => {
    fc.assert(
      fc.property(expressionArbitrary(), fc.integer({ min: 1, max: 1000 }), (e, seed) => {
        const s = L.simplify(e);
        expect(s.roles).toEqual(e.roles);
        const env = randomEnv(seed);
        // separately: an ema slot belongs to one term, and e and s hold different terms in it
        const [a, b] = [L.evaluate(e, env).value, L.evaluate(s, env).value];
        expect(mismatches(a!, b!, TOL)).toEqual([]);
      }),
      runs,
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(expressionArbitrary(), (e) => {
        const s = L.simplify(e);
        expect(L.simplify(s)).toBe(s);
      }),
      runs,
    );
  });

  it('commutes with gradient numerically: d(simplify e) = simplify(d e) = d e', () => {
    const { pred, A } = ARBITRARY_LEAVES;
    fc.assert(
      fc.property(expressionArbitrary(), fc.integer({ min: 1, max: 1000 }), (e, seed) => {
        const env = randomEnv(seed);
        const value = L.evaluate(e, env).value;
        if (!value.data.every(Number.isFinite)) return; // derivatives of non-finite values are not comparable
        for (const wrt of [pred, A] as Node[]) {
          const raw = L.gradient(e, wrt, { simplify: false });
          const [ofRaw, simplifiedAfter, ofSimplified] = [raw, L.simplify(raw), L.gradient(L.simplify(e), wrt)].map(
            (g) => L.evaluate(g, env).value,
          );
          expect(mismatches(ofRaw!, simplifiedAfter!, TOL)).toEqual([]);
          expect(mismatches(ofRaw!, ofSimplified!, TOL)).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('never makes the gradient larger than the unsimplified one', () => {
    const { pred } = ARBITRARY_LEAVES;
    fc.assert(
      fc.property(expressionArbitrary(), (e) => {
        expect(L.nodeCount(L.gradient(e, pred))).toBeLessThanOrEqual(L.nodeCount(L.gradient(e, pred, { simplify: false })));
      }),
      runs,
    );
  });
});
