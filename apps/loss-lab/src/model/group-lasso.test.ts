import { describe, expect, it } from 'vitest';
import { type Design, type SmoothLoss, chainToWeights, fitGroupLasso, groupSoftThreshold, linearPredictor, seededNormal } from './group-lasso.js';

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** Mean logistic loss written out by hand: mean(log(1 + e^eta) - y eta), gradient (sigmoid(eta) - y) / n. */
const logistic =
  (y: Float64Array): SmoothLoss =>
  (eta) => ({
    value: eta.reduce((s, e, i) => s + Math.log1p(Math.exp(e)) - y[i]! * e, 0) / eta.length,
    gradient: eta.map((e, i) => (sigmoid(e) - y[i]!) / eta.length),
  });

function problem(n: number, seed: number): { design: Design; y: Float64Array } {
  const normal = seededNormal(seed);
  const p = 6;
  const X = Float64Array.from({ length: n * p }, normal);
  const design: Design = { X, n, p, groups: [[0, 1], [2, 3], [4, 5]] };
  const eta = linearPredictor(design, Float64Array.from([2, -1, 0, 0, 0.5, 0.5]), 0.3);
  const y = eta.map((e, i) => (sigmoid(e) > 0.5 + 0.3 * Math.sin(i) ? 1 : 0));
  return { design, y };
}

describe('group soft-thresholding', () => {
  it('is the closed-form proximal map: shrink each group norm by t * sqrt(|g|), or zero it', () => {
    const d: Design = { X: new Float64Array(0), n: 0, p: 5, groups: [[0, 1], [2, 3, 4]] };
    const v = Float64Array.from([3, 4, 0.1, 0.1, 0.1]);
    const out = groupSoftThreshold(d, v, 1);
    // ||(3, 4)|| = 5 -> 5 - sqrt(2); the second group's norm 0.17 < sqrt(3): zero
    expect(Math.hypot(out[0]!, out[1]!)).toBeCloseTo(5 - Math.SQRT2, 12);
    expect(out[0]! / out[1]!).toBeCloseTo(3 / 4, 12);
    expect(Array.from(out.slice(2))).toEqual([0, 0, 0]);
  });
});

describe('logistic group lasso by proximal gradient', () => {
  it('meets the KKT conditions of the group-lasso problem', () => {
    const { design, y } = problem(120, 7);
    const lambda = 0.02;
    const fit = fitGroupLasso(design, logistic(y), lambda, { tolerance: 1e-9, maxIterations: 20000 });
    expect(fit.converged).toBe(true);
    const eta = linearPredictor(design, fit.weights, fit.intercept);
    const r = eta.map((e, i) => (sigmoid(e) - y[i]!) / design.n);
    const { gW, gB } = chainToWeights(design, r);
    expect(Math.abs(gB)).toBeLessThan(1e-7); // the unpenalised intercept: dF/db = 0
    let zeroGroups = 0;
    for (const g of design.groups) {
      const norm = Math.hypot(...g.map((j) => fit.weights[j]!));
      const bound = lambda * Math.sqrt(g.length);
      if (norm === 0) {
        zeroGroups++;
        expect(Math.hypot(...g.map((j) => gW[j]!))).toBeLessThanOrEqual(bound + 1e-9); // ||grad_g|| <= lambda sqrt|g|
      } else {
        // grad_g + lambda sqrt|g| w_g / ||w_g|| = 0
        for (const j of g) expect(gW[j]! + (bound * fit.weights[j]!) / norm).toBeCloseTo(0, 7);
      }
    }
    expect(zeroGroups).toBeGreaterThan(0); // the zero group of the truth is dropped at this lambda
    expect(zeroGroups).toBeLessThan(3);
  });

  it('returns w = 0 from lambda_max = max_g ||grad_g F(0, b*)|| / sqrt(|g|) on', () => {
    const { design, y } = problem(80, 3);
    // at w = 0 the intercept alone fits the base rate: b* = logit(mean y)
    const rate = y.reduce((a, b) => a + b, 0) / y.length;
    const bStar = Math.log(rate / (1 - rate));
    const r = y.map((v) => (sigmoid(bStar) - v) / y.length);
    const { gW } = chainToWeights(design, r);
    const lambdaMax = Math.max(...design.groups.map((g) => Math.hypot(...g.map((j) => gW[j]!)) / Math.sqrt(g.length)));
    const above = fitGroupLasso(design, logistic(y), lambdaMax * 1.01, { tolerance: 1e-9 });
    expect(Array.from(above.weights).every((w) => w === 0)).toBe(true);
    expect(above.intercept).toBeCloseTo(bStar, 6);
    const below = fitGroupLasso(design, logistic(y), lambdaMax * 0.9, { tolerance: 1e-9 });
    expect(Array.from(below.weights).some((w) => w !== 0)).toBe(true);
  });
});
