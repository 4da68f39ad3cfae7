import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  constant,
  div,
  elu,
  ema,
  exp,
  gt,
  input,
  mean,
  mul,
  neg,
  param,
  pow,
  size,
  square,
  state,
  sub,
  sum,
} from './builders.js';
import { gradient } from './gradient.js';
import type { Node } from './ir/node.js';
import { parse } from './parse.js';
import { print } from './print.js';
import { expressionArbitrary, leafNames } from './testing/arbitrary.js';

const a = input('a');
const b = input('b');
const c = input('c');
const readBack = (e: Node): Node => parse(print(e), { names: leafNames(e) });

describe('print', () => {
  it('parse(print(e)) is e for random graphs over every op', () => {
    fc.assert(
      fc.property(expressionArbitrary(), (e) => readBack(e) === e),
      { numRuns: 400 },
    );
  });

  it('parse(print(e, { share: true })) is e for random graphs over every op', () => {
    fc.assert(
      fc.property(expressionArbitrary(), (e) => parse(print(e, { share: true }), { names: leafNames(e) }) === e),
      { numRuns: 300 },
    );
  });

  it('writes shared subexpressions once with share', () => {
    const t1 = input('t1');
    const e = add(mul(exp(a), exp(a)), div(exp(a), add(t1, b)));
    expect(print(e, { share: true })).toBe('_t1 = exp(a)\n_t1 * _t1 + _t1 / (t1 + b)');
    expect(parse(print(e, { share: true }), { names: { a, b, t1 } })).toBe(e);
    const L1 = input('L1', []);
    const A = param('A');
    const inner = sub(mul(A, L1), mul(sub(1, A), L1));
    const eq6 = add(exp(mul(sub(1, A), L1)), mul(A, exp(mul(sub(1, A), L1))));
    const g = gradient(mul(eq6, inner), A);
    expect(print(g, { share: true }).length).toBeLessThan(print(g).length);
    expect(parse(print(g, { share: true }), { names: { L1, A } })).toBe(g);
  });

  // NaN and infinite constants print as NaN / Infinity, which the parser refuses (formulas hold finite literals only)
  it('prints every finite float64 constant exactly, negative and zero ones too', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const k = constant(v);
        for (const e of [k, neg(k), sub(a, k), add(k, a), pow(k, a), pow(a, k), mul(a, k), constant([v, 1])])
          if (readBack(e) !== e) return false;
        return true;
      }),
      { numRuns: 300 },
    );
  });

  /** [graph, printed] */
  const cases: [Node, string][] = [
    [sub(a, b), 'a - b'],
    [sub(a, neg(b)), 'a - -b'],
    [add(a, neg(b)), 'a + -b'],
    [sub(a, constant(-3)), 'a - -3'],
    [constant(-3), '-3'],
    [neg(constant(3)), '-(3)'],
    [neg(constant(-3)), '-(-3)'],
    [neg(neg(a)), '-(-a)'],
    [constant(-0), '-0'],
    [constant(0.1), '0.1'],
    [constant(1e-7), '1e-7'],
    [constant(1e21), '1e+21'],
    [neg(pow(a, 2)), '-a ^ 2'],
    [pow(neg(a), 2), '(-a) ^ 2'],
    [pow(constant(-2), a), '(-2) ^ a'],
    [pow(a, neg(b)), 'a ^ -b'],
    [pow(a, pow(b, c)), 'a ^ b ^ c'],
    [pow(pow(a, b), c), '(a ^ b) ^ c'],
    [sub(sub(a, b), c), 'a - b - c'],
    [sub(a, sub(b, c)), 'a - (b - c)'],
    [add(a, add(b, c)), 'a + (b + c)'],
    [mul(neg(a), b), '-a * b'],
    [neg(mul(a, b)), '-(a * b)'],
    [div(a, mul(b, c)), 'a / (b * c)'],
    [mul(a, div(b, c)), 'a * (b / c)'],
    [div(mul(a, b), c), 'a * b / c'],
    [gt(gt(a, b), c), '(a > b) > c'],
    [gt(add(a, 1), b), 'a + 1 > b'],
    [mul(gt(a, b), c), '(a > b) * c'],
    [constant([1, -2, 0.5]), '[1, -2, 0.5]'],
    [sum(a, ['batch', 'spatial']), 'sum(a, "batch", "spatial")'],
    [mean(a), 'mean(a)'],
    [mean(sum(a, ['class'])), 'mean(sum(a, "class"))'],
    [elu(a), 'elu(a)'],
    [elu(a, -0.5), 'elu(a, -0.5)'],
    [ema(a, 0.9, 'a.slot'), 'ema(a, 0.9, "a.slot")'],
    [size(['batch', 'spatial']), 'size("batch", "spatial")'],
    [size([]), 'size()'],
    [state('ema.mean', ['class']), 'state("ema.mean", ["class"])'],
    [state('steps', []), 'steps'],
    [input('x y', []), 'input("x y", [])'],
    [input('and'), 'input("and", ["batch", "class", "spatial"])'],
    [param('p-q', { default: 2 }), 'param("p-q", 2)'],
    [param('A', { default: 0.5 }), 'A'],
    [exp(mul(sub(1, param('A')), input('L2', []))), 'exp((1 - A) * L2)'],
  ];

  it.each(cases)('prints %# as %j and reads it back', (e, text) => {
    expect(print(e)).toBe(text);
    expect(readBack(e)).toBe(e);
  });

  it('prints long chains without deep recursion', () => {
    let e: Node = a;
    for (let i = 0; i < 20000; i++) e = i % 2 ? add(e, mul(b, i)) : sub(e, div(i, c));
    const text = print(e);
    expect(text.startsWith('a - 0 / c + b * 1 - 2 / c')).toBe(true);
    expect(readBack(e)).toBe(e);
  });

  it('round-trips derivatives of the paper formulas', () => {
    const L1 = mean(abs(sub(input('pred'), input('target'))));
    const L2 = mean(square(sub(input('pred'), input('target'))));
    const A = param('A');
    const eq3 = mul(mul(A, L1), exp(mul(sub(1, A), L2)));
    for (const wrt of [L1, L2, A, input('pred')]) {
      const g = gradient(eq3, wrt);
      expect(readBack(g)).toBe(g);
    }
  });
});
