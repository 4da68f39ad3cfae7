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
        /class axis mismatch: input 'target' has 5, input 'pred' has 3/,
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
