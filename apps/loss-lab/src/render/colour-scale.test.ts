import { describe, expect, it } from 'vitest';
import { sharedDomain } from './colour-scale.js';

describe('shared colour domain', () => {
  it('spans the finite values of every panel, skipping null and non-finite ones', () => {
    expect(sharedDomain([0.5, null, -0.125, Number.NaN, 1.25, Number.POSITIVE_INFINITY])).toEqual([-0.125, 1.25]);
  });

  it('widens a constant panel so the scale is not empty, and refuses no values at all', () => {
    expect(sharedDomain([2, 2])).toEqual([1.5, 2.5]);
    expect(() => sharedDomain([null, Number.NaN])).toThrow('sharedDomain: no finite value to scale');
  });
});
