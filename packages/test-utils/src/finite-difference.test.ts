import { describe, expect, it } from 'vitest';
import { finiteDifference } from './finite-difference.js';

describe('finiteDifference', () => {
  it('matches the analytic gradient of a smooth function', () => {
    // f(x) = sum x_i^3 + x0 x1  ->  df/dx_i = 3 x_i^2 + [i=0] x1 + [i=1] x0
    const f = (x: Float64Array) => x.reduce((s, v) => s + v ** 3, 0) + x[0]! * x[1]!;
    const x = [0.5, -1.25, 2];
    const fd = finiteDifference(f, x);
    const exact = [3 * 0.25 - 1.25, 3 * 1.5625 + 0.5, 12];
    fd.forEach((g, i) => {
      expect(g).toBeCloseTo(exact[i]!, 7);
    });
  });

  it('leaves its argument unchanged', () => {
    const x = Float64Array.of(1, 2);
    finiteDifference((v) => v[0]! * v[1]!, x);
    expect([...x]).toEqual([1, 2]);
  });
});
