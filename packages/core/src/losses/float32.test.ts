import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../evaluate.js';
import { catalogue } from './catalogue.js';
import { FLOAT32_BELOW_ONE, FLOAT32_MIN_NORMAL, probabilityBounds } from './float32.js';
import { OptionError } from './options.js';
import { GENERALIZED_DICE_MIN_EPS } from './overlap.js';

describe('probabilityBounds', () => {
  it('gives float32 bounds 0 < lo <= hi < 1 with log lo and log(1 - hi) finite in float32, for every accepted eps', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: 0.5, noNaN: true }), (eps) => {
        const [lo, hi] = probabilityBounds(eps);
        expect(Math.fround(lo)).toBe(lo);
        expect(Math.fround(hi)).toBe(hi);
        expect(lo).toBeGreaterThanOrEqual(FLOAT32_MIN_NORMAL);
        expect(hi).toBeLessThanOrEqual(FLOAT32_BELOW_ONE);
        expect(lo).toBeLessThanOrEqual(hi);
        // 1 - hi is exact in float32: the backends and the reference take the log of the same number
        expect(Math.fround(1 - hi)).toBe(1 - hi);
      }),
    );
  });

  it('is Keras float32 clip for the default eps', () => {
    expect(probabilityBounds(1e-7)).toEqual([Math.fround(1e-7), Math.fround(1 - 1e-7)]);
  });
});

describe('generalizedDice eps', () => {
  it('refuses an eps whose square is no normal float32', () => {
    expect(() => catalogue.generalizedDice({ eps: 1e-19 })).toThrow(OptionError);
    expect(() => catalogue.generalizedDice({ eps: GENERALIZED_DICE_MIN_EPS / 2 })).toThrow(/eps/);
  });

  it('is finite with an absent class at the smallest eps', () => {
    const [n, c, s] = [1, 3, 4];
    const pred = { shape: [n, c, s], data: Float64Array.from({ length: n * c * s }, (_, i) => Math.sin(i)) };
    // class 2 absent
    const target = { shape: [n, c, s], data: Float64Array.from({ length: n * c * s }, (_, i) => (Math.floor(i / s) === i % 2 ? 1 : 0)) };
    const value = evaluate(catalogue.generalizedDice({ eps: GENERALIZED_DICE_MIN_EPS }).expr, { inputs: { pred, target } }).value.data[0]!;
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  });
});
