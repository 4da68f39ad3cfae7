import { describe, expect, it } from 'vitest';
import { cumsum, input, mul, sortBy, square, sum, unsortBy } from './builders.js';
import { evaluate, evaluateScalar } from './evaluate.js';
import { gradient } from './gradient.js';
import { ShapeError } from './ir/node.js';
import { parse } from './parse.js';
import { print } from './print.js';
import { simplify } from './simplify.js';
import { finiteDifferenceGradient, maxRelativeError } from './testing/finite-difference.js';
import { toLatex } from './latex.js';

const k = input('k');
const x = input('x');
// [batch 2, class 1, spatial 3]
const keys = { shape: [2, 1, 3], data: [0.1, 0.9, 0.5, 3, 1, 2] };
const values = { shape: [2, 1, 3], data: [10, 20, 30, 40, 50, 60] };
const env = { inputs: { k: keys, x: values } };

describe('order ops: sortBy, unsortBy, cumsum', () => {
  it('sortBy permutes the value so the key descends, per group or over the flattened roles', () => {
    expect([...evaluate(sortBy(k, x, ['spatial']), env).value.data]).toEqual([20, 30, 10, 40, 60, 50]);
    // batch and spatial flattened batch-major: keys 0.1 0.9 0.5 3 1 2
    expect([...evaluate(sortBy(k, x, ['batch', 'spatial']), env).value.data]).toEqual([40, 60, 50, 20, 30, 10]);
  });

  it('unsortBy undoes sortBy; equal keys keep their order', () => {
    expect([...evaluate(unsortBy(k, sortBy(k, x, ['spatial']), ['spatial']), env).value.data]).toEqual(values.data);
    const tied = { inputs: { k: { shape: [1, 1, 4], data: [1, 2, 1, 2] }, x: { shape: [1, 1, 4], data: [1, 2, 3, 4] } } };
    expect([...evaluate(sortBy(k, x, ['spatial']), tied).value.data]).toEqual([2, 4, 1, 3]);
  });

  it('cumsum is the inclusive running sum along the roles', () => {
    expect([...evaluate(cumsum(x, ['spatial']), env).value.data]).toEqual([10, 30, 60, 40, 90, 150]);
    expect([...evaluate(cumsum(x, ['batch', 'spatial']), env).value.data]).toEqual([10, 30, 60, 100, 150, 210]);
  });

  it('gradients match central differences in float64 (away from ties)', () => {
    const w = { shape: [2, 1, 3], data: [0.3, -1.2, 0.7, 2, 0.4, -0.6] };
    const wEnv = { inputs: { ...env.inputs, w } };
    const cases = [
      sum(mul(input('w'), sortBy(k, square(x), ['spatial']))),
      sum(mul(input('w'), unsortBy(k, square(x), ['batch', 'spatial']))),
      sum(mul(input('w'), cumsum(square(x), ['spatial']))),
      sum(mul(input('w'), cumsum(sortBy(k, x, ['batch', 'spatial']), ['batch', 'spatial']))),
    ];
    for (const loss of cases) {
      const g = evaluate(gradient(loss, x), wEnv).value.data;
      expect(maxRelativeError(g, finiteDifferenceGradient(loss, 'x', wEnv))).toBeLessThan(1e-7);
      // the key gets no gradient: the permutation is piecewise constant
      expect([...evaluate(gradient(loss, k), wEnv).value.data].every((v) => v === 0)).toBe(true);
    }
  });

  it('simplify: a permutation and its inverse cancel; a sum over the sorted roles ignores the order', () => {
    expect(simplify(unsortBy(k, sortBy(k, x, ['spatial']), ['spatial']))).toBe(x);
    expect(simplify(sortBy(k, unsortBy(k, x, ['spatial']), ['spatial']))).toBe(x);
    expect(simplify(sum(sortBy(k, x, ['spatial']), ['batch', 'spatial']))).toBe(sum(x, ['batch', 'spatial']));
    // along different roles nothing cancels
    expect(simplify(unsortBy(k, sortBy(k, x, ['spatial']), ['batch', 'spatial'])).op).toBe('unsortBy');
    const perImage = input('m', ['batch']);
    expect(print(simplify(sortBy(k, perImage, ['spatial'])))).toBe('broadcastLike(m, k)');
    expect(evaluateScalar(sum(sortBy(k, x, ['spatial'])), env)).toBe(210);
  });

  it('print and parse round-trip, LaTeX names the op; roles are checked', () => {
    for (const e of [sortBy(k, x, ['batch', 'spatial']), unsortBy(k, x, ['spatial']), cumsum(x, ['class', 'spatial'])])
      expect(parse(print(e), { names: { k, x } })).toBe(e);
    expect(toLatex(cumsum(x, ['spatial']))).toContain('cumsum');
    expect(() => cumsum(input('m', ['batch']), ['spatial'])).toThrow(ShapeError);
    expect(() => sortBy(input('m', ['batch']), x, ['batch'])).toThrow(/cannot broadcast/);
  });
});
