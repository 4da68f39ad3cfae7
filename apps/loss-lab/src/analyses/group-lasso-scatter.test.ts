import { paperExperiments } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { experimentLoss, fitMethods, groupLassoData } from './group-lasso-scatter.js';

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

describe('group-lasso scatter (Fig. 6)', () => {
  it('sees experiment 1 (cross-entropy) on [0, eta] as the binary logistic loss', () => {
    const labels = Float64Array.from([1, 0, 1, 1, 0]);
    const eta = Float64Array.from([0.3, -1.2, 2, -0.5, 0.7]);
    const { value, gradient } = experimentLoss(paperExperiments[0]!.build(), labels)(eta);
    const n = labels.length;
    const expected = eta.reduce((s, e, i) => s + Math.log1p(Math.exp(e)) - labels[i]! * e, 0) / n;
    expect(value).toBeCloseTo(expected, 12);
    eta.forEach((e, i) => {
      expect(gradient[i]).toBeCloseTo((sigmoid(e) - labels[i]!) / n, 12);
    });
  });

  it('sees experiment 2 as cross-entropy + A mean|p - y| + (1 - A) mean (p - y)^2', () => {
    const labels = Float64Array.from([1, 0, 0]);
    const eta = Float64Array.from([0.2, 0.4, -3]);
    const p = eta.map(sigmoid);
    const n = 3;
    const ce = eta.reduce((s, e, i) => s + Math.log1p(Math.exp(e)) - labels[i]! * e, 0) / n;
    const l1 = p.reduce((s, v, i) => s + Math.abs(v - labels[i]!), 0) / n;
    const l2 = p.reduce((s, v, i) => s + (v - labels[i]!) ** 2, 0) / n;
    const { value } = experimentLoss(paperExperiments[1]!.build(), labels)(eta);
    expect(value).toBeCloseTo(ce + 0.25 * l1 + 0.75 * l2, 12);
  });

  it('fits one model per method, each converged, dropping the inactive groups', () => {
    const data = groupLassoData(120);
    const fits = fitMethods(data, 0.05);
    expect(fits.map((f) => f.experiment)).toEqual([1, 2, 4, 6, 8, 18]);
    for (const f of fits) {
      expect(f.fit.converged).toBe(true);
      const groupNorm = (g: number) => Math.hypot(...[0, 1, 2].map((k) => f.fit.weights[3 * g + k]!));
      expect(groupNorm(0)).toBeGreaterThan(0.1);
      expect(groupNorm(2)).toBeGreaterThan(0.1);
      expect(f.fitted.every((p) => p > 0 && p < 1)).toBe(true);
    }
  });
});
