import { describe, expect, it } from 'vitest';
import * as L from './index.js';

const pred = L.input('pred');
const target = L.input('target');
const shape = [2, 3, 2, 2];
const ones = (n: number) => new Float64Array(n).fill(1);

describe('evaluate', () => {
  it('lays out NCHW data and reduces over roles', () => {
    const x = { shape: [1, 2, 3], data: [1, 2, 3, 4, 5, 6] };
    const perClass = L.evaluate(L.sum(pred, ['batch', 'spatial']), { inputs: { pred: x } }).value;
    expect(perClass.roles).toEqual(['class']);
    expect([...perClass.data]).toEqual([6, 15]);
    expect(L.evaluateScalar(L.mean(pred), { inputs: { pred: x } })).toBe(3.5);
  });

  it('broadcasts per-class constants along the class axis', () => {
    const x = { shape: [1, 2, 2], data: [1, 2, 3, 4] };
    const v = L.evaluate(L.mul(pred, L.constant([10, 100])), { inputs: { pred: x } }).value;
    expect([...v.data]).toEqual([10, 20, 300, 400]);
  });

  it('computes softmax and log-softmax along the class axis, stably', () => {
    const x = { shape: [1, 2, 1], data: [1000, 1000] };
    expect([...L.evaluate(L.softmax(pred), { inputs: { pred: x } }).value.data]).toEqual([0.5, 0.5]);
    expect(L.evaluate(L.logSoftmax(pred), { inputs: { pred: x } }).value.data[0]).toBeCloseTo(-Math.LN2, 12);
  });

  it('carries ema state: the bias-corrected moving average of the term', () => {
    const x = L.input('x', []);
    const avg = L.ema(x, 0.9, 'loss');
    let state = {};
    let m = 0;
    const xs = [4, 2, 7, 1];
    xs.forEach((value, t) => {
      const r = L.evaluate(avg, { inputs: { x: value }, state });
      m = 0.9 * m + 0.1 * value;
      expect(r.value.data[0]).toBeCloseTo(m / (1 - 0.9 ** (t + 1)), 12);
      state = r.nextState;
    });
    expect(Object.keys(state).sort()).toEqual(['loss.mean', 'loss.steps']);
  });

  describe('bad input gives a clear error', () => {
    const env = { inputs: { pred: { shape, data: ones(24) }, target: { shape, data: ones(24) } } };
    const loss = L.mean(L.abs(L.sub(pred, target)));

    it('missing input', () => {
      expect(() => L.evaluate(loss, { inputs: { pred: env.inputs.pred } })).toThrow(/missing input 'target'/);
    });
    it('missing parameter', () => {
      expect(() => L.evaluate(L.mul(L.param('A'), loss), env)).toThrow(/missing parameter 'A'/);
    });
    it('parameter default', () => {
      expect(L.evaluateScalar(L.mul(L.param('A', { default: 2 }), loss), env)).toBe(0);
    });
    it('shape mismatch names both inputs and the axis', () => {
      const other = { shape: [2, 5, 2, 2], data: ones(40) };
      expect(() => L.evaluate(loss, { inputs: { pred: env.inputs.pred, target: other } })).toThrow(
        /shape mismatch: input 'pred' \[2, 3, 2, 2\] vs input 'target' \[2, 5, 2, 2\] \(class axis: 3 vs 5\)/,
      );
    });
    it('data length that does not fit the shape', () => {
      expect(() => L.evaluate(loss, { inputs: { ...env.inputs, pred: { shape, data: ones(23) } } })).toThrow(
        /has 23 values but its shape \[2, 3, 2, 2\] needs 24/,
      );
    });
    it('too few dims for the roles', () => {
      expect(() => L.evaluate(loss, { inputs: { ...env.inputs, pred: { shape: [2, 3], data: ones(6) } } })).toThrow(
        /shape \[2, 3\], expected \[batch, class, \.\.\.spatial\]/,
      );
    });
    it('NaN and Inf inputs, unless allowed (then NaN propagates)', () => {
      const data = ones(24);
      data[5] = Number.NaN;
      const bad = { inputs: { ...env.inputs, pred: { shape, data } } };
      expect(() => L.evaluate(loss, bad)).toThrow(/input 'pred' has a non-finite value \(NaN\) at flat index 5/);
      expect(L.evaluateScalar(loss, { ...bad, allowNonFinite: true })).toBeNaN();
    });
    it('spatial dims must agree axis by axis, not only in count (pred [1,3,4,4] vs target [1,3,2,8])', () => {
      const a = { shape: [1, 3, 4, 4], data: ones(48) };
      const b = { shape: [1, 3, 2, 8], data: ones(48) };
      expect(() => L.evaluate(loss, { inputs: { pred: a, target: b } })).toThrow(L.InputError);
      expect(() => L.evaluate(loss, { inputs: { pred: a, target: b } })).toThrow(/shape mismatch: .*\(spatial axis: 4x4 vs 2x8\)/);
    });
    it('negative, fractional, NaN and zero dims are refused (a zero-size batch has no mean)', () => {
      const cases: [number[], RegExp][] = [
        [[-2, 3, 2, 2], /axis 0 \(batch\) is -2; dimensions must be positive integers/],
        [[2, 1.5, 2, 2], /axis 1 \(class\) is 1.5/],
        [[2, 3, 2, Number.NaN], /axis 3 \(spatial\) is null/],
        [[0, 3, 2, 2], /axis 0 \(batch\) has size 0; a loss over no elements is undefined/],
        [[2, 3, 0, 2], /axis 2 \(spatial\) has size 0/],
      ];
      for (const [bad, message] of cases) {
        const run = () => L.evaluate(loss, { inputs: { ...env.inputs, pred: { shape: bad, data: [] } } });
        expect(run, String(bad)).toThrow(L.InputError);
        expect(run, String(bad)).toThrow(message);
      }
    });
    it('values that are not numbers are refused, not coerced ([null, "2", true])', () => {
      const x = L.input('x', ['batch']);
      for (const [data, message] of [
        [[null, 2, 3], /data\[0\] is null \(null\); expected a number/],
        [[1, '2', 3], /data\[1\] is string \("2"\)/],
        [[1, 2, true], /data\[2\] is boolean \(true\)/],
      ] as [unknown[], RegExp][])
        expect(() => L.evaluate(L.mean(x), { inputs: { x: { shape: [3], data: data as number[] } } })).toThrow(message);
      expect(() => L.evaluate(L.mean(x), { inputs: { x: 'abc' as never } })).toThrow(/expected a number or \{ shape, data \}, got string/);
      expect(() => L.evaluate(L.mul(L.param('A'), L.mean(x)), { inputs: { x: { shape: [1], data: [1] } }, params: { A: '2' as never } })).toThrow(
        /parameter 'A' must be a number, got string/,
      );
    });
    it('checkFinite: false propagates NaN, like the other backends (allowNonFinite still works)', () => {
      const data = ones(24);
      data[5] = Number.POSITIVE_INFINITY;
      const bad = { inputs: { ...env.inputs, pred: { shape, data } } };
      expect(() => L.evaluate(loss, bad)).toThrow(/non-finite value \(Infinity\) at flat index 5.*pass checkFinite: false/);
      expect(Number.isFinite(L.evaluateScalar(loss, { ...bad, checkFinite: false }))).toBe(false);
      expect(() => L.evaluate(L.mul(L.param('A'), loss), { ...env, params: { A: Number.NaN } })).toThrow(/parameter 'A' has a non-finite value/);
    });
    it('role errors when building', () => {
      expect(() => L.softmax(L.input('s', []))).toThrow(/softmax needs an operand with a class axis, got \[\]/);
      expect(() => L.mean(L.input('c', ['class']), ['spatial'])).toThrow(
        /mean over \[spatial\], but its operand spans \[class\]/,
      );
      expect(() => L.input('x', ['channel' as 'class'])).toThrow(/unknown axis role 'channel'/);
    });
    it('per-class constant of the wrong length', () => {
      expect(() => L.evaluate(L.mul(pred, L.constant([1, 2])), env)).toThrow(/2 values but the class axis has 3/);
    });
  });
});

describe('interning', () => {
  it('makes structurally equal graphs the same object', () => {
    const a = L.mean(L.abs(L.sub(L.input('pred'), L.input('target'))));
    const b = L.mean(L.abs(L.sub(L.input('pred'), L.input('target'))));
    expect(a).toBe(b);
    expect(L.add(a, 1)).toBe(L.add(b, L.constant(1)));
    expect(L.constant(0)).not.toBe(L.constant(-0));
    expect(L.elu(pred, 1)).not.toBe(L.elu(pred, 0.5));
  });
  it('counts shared subexpressions once', () => {
    const d = L.sub(pred, target);
    expect(L.nodeCount(L.add(L.mean(L.abs(d)), L.mean(L.square(d))))).toBe(8);
  });
});

describe('ema decay range', () => {
  const x = L.input('x', ['batch']);
  const data = { inputs: { x: { shape: [2], data: [1, 3] } } };
  it('is [0, 1): 1 (NaN before), 1.5 and -0.5 are refused when built, from a constant or a param default', () => {
    for (const bad of [1, 1.5, -0.5]) {
      expect(() => L.ema(L.mean(x), bad, 's'), String(bad)).toThrow(RangeError);
      expect(() => L.ema(L.mean(x), bad, 's'), String(bad)).toThrow(/ema 's': decay is .*; the decay must be in \[0, 1\)/);
      expect(() => L.ema(L.mean(x), L.param('d', { default: bad }), 's')).toThrow(/the default of param 'd' is/);
    }
    for (const ok of [0, 0.5, 0.999]) expect(Number.isFinite(L.evaluateScalar(L.ema(L.mean(x), ok, 's'), data))).toBe(true);
  });
  it('bound through a param at evaluation, is checked there (InputError)', () => {
    const loss = L.ema(L.mean(x), L.param('d', { default: 0.9 }), 's');
    expect(L.evaluateScalar(loss, { ...data, params: { d: 0.5 } })).toBe(2);
    expect(() => L.evaluate(loss, { ...data, params: { d: 1 } })).toThrow(L.InputError);
    expect(() => L.evaluate(loss, { ...data, params: { d: 1 } })).toThrow(/ema 's': param 'd' is 1; the decay must be in \[0, 1\)/);
  });
});
