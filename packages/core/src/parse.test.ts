import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  clamp,
  constant,
  div,
  elu,
  ema,
  exp,
  gt,
  input,
  log,
  max,
  mean,
  mul,
  neg,
  param,
  pow,
  relu,
  size,
  softmax,
  sqrt,
  square,
  state,
  sub,
  sum,
  where,
} from './builders.js';
import { ParseError, parse } from './parse.js';

const pred = input('pred');
const target = input('target');
const weights = input('weights', ['class']);
const L1 = mean(abs(sub(pred, target)));
const L2 = mean(square(sub(pred, target)));
const A = param('A');
const B = param('B');
const names = { pred, target, weights, L1, L2 };
const read = (text: string) => parse(text, { names, params: ['A', 'B'] });

describe('parse', () => {
  it('reads the paper formulas into the same interned nodes the builders make', () => {
    expect(read('A*L1 + (1 - A)*L2')).toBe(add(mul(A, L1), mul(sub(1, A), L2)));
    expect(read('A*L1 + B*L2')).toBe(add(mul(A, L1), mul(B, L2)));
    expect(read('A*L1*exp((1-A)*L2)')).toBe(mul(mul(A, L1), exp(mul(sub(1, A), L2))));
    // e^x is exp(x), as the paper writes it
    expect(read('A*L1*e^((1-A)*L2)')).toBe(read('A*L1*exp((1-A)*L2)'));
    const step1 = sub(sub(mul(A, L1), mul(sub(1, A), L1)), mul(B, L2));
    expect(read('sqrt(A*(A*L1 - (1-A)*L1 - B*L2) + (1-A)*L2) + A*L1*exp((1-A)*L2)')).toBe(
      add(sqrt(add(mul(A, step1), mul(sub(1, A), L2))), mul(mul(A, L1), exp(mul(sub(1, A), L2)))),
    );
  });

  it('binds names to whole subexpressions, in options or in lines before the result', () => {
    const lines = parse('L1 = mean(abs(pred - target))\nL2 = mean(square(pred - target)); A*L1 + B*L2', {
      names: { pred, target },
      params: ['A', 'B'],
    });
    expect(lines).toBe(read('A*L1 + B*L2'));
    // a line may use the lines above it, and shadows an option binding
    expect(parse('L1 = 2*L1; L1 + 1', { names })).toBe(add(mul(2, L1), 1));
  });

  it('makes free names params when asked', () => {
    expect(parse('A*x + B', { params: 'auto' })).toBe(add(mul(A, param('x')), B));
    expect(parse('A*L1', { names, params: 'auto' })).toBe(mul(A, L1));
    // e and pi are numbers unless bound
    expect(parse('e + pi', { params: 'auto' })).toBe(add(Math.E, Math.PI));
    expect(parse('e + 1', { names: { e: pred } })).toBe(add(pred, 1));
    expect(parse('e^2', { params: ['e'] })).toBe(pow(param('e'), 2));
  });

  it('refuses non-finite literals (1e999, NaN, Infinity) and implicit multiplication, naming the position', () => {
    const cases: [string, number, RegExp][] = [
      ['A + 1e999', 4, /non-finite number Infinity at 4: formulas hold finite constants only/],
      ['-1e999 * A', 1, /non-finite number Infinity at 1/],
      ['elu(A, 1e999)', 7, /non-finite number Infinity at 7/],
      ['[1, 1e400]', 4, /non-finite number Infinity at 4/],
      ['NaN * A', 0, /non-finite number NaN at 0/],
      ['A - Infinity', 4, /non-finite number Infinity at 4/],
      ['A * -Infinity', 5, /non-finite number Infinity/],
      ['L1 L2', 0, /implicit multiplication at 0: write the operator, as in `L1\*L2`/],
      ['A + 2 L2', 4, /implicit multiplication at 4: .*`2\*L2`/],
      ['A + 2L2', 4, /implicit multiplication/],
    ];
    for (const [text, position, message] of cases) {
      const error = (() => {
        try {
          parse(text, { params: 'auto' });
        } catch (e) {
          return e;
        }
      })();
      expect(error, text).toBeInstanceOf(ParseError);
      expect((error as ParseError).message, text).toMatch(message);
      expect((error as ParseError).position, text).toBe(position);
    }
  });

  it('keeps a written negative number a constant and -(3) a negation', () => {
    expect(read('-3')).toBe(constant(-3));
    expect(read('-(3)')).toBe(neg(constant(3)));
    expect(read('-0')).toBe(constant(-0));
    expect(read('-0')).not.toBe(constant(0));
    expect(read('2^-3')).toBe(pow(2, constant(-3)));
    expect(read('-2^2')).toBe(neg(pow(2, 2)));
    expect(read('(-2)^2')).toBe(pow(constant(-2), 2));
    expect(read('A - -B')).toBe(sub(A, neg(B)));
    expect(read('+A')).toBe(A);
  });

  it('reads per-class constants, reductions with roles, and every whitelisted function', () => {
    expect(read('[1, -2, 0.5] * weights')).toBe(mul(constant([1, -2, 0.5]), weights));
    expect(read('sum(pred, "batch", "spatial")')).toBe(sum(pred, ['batch', 'spatial']));
    expect(read("mean(pred, ['spatial', 'batch'])")).toBe(mean(pred, ['batch', 'spatial']));
    expect(read('mean(pred)')).toBe(mean(pred));
    expect(read('size("batch", "spatial")')).toBe(size(['batch', 'spatial']));
    expect(read('elu(L1)')).toBe(elu(L1, 1));
    expect(read('elu(L1, -0.5)')).toBe(elu(L1, -0.5));
    expect(read('ema(L1, 0.9, "l1")')).toBe(ema(L1, 0.9, 'l1'));
    expect(read('clamp(pred, 0, 1)')).toBe(clamp(pred, 0, 1));
    expect(read('max(A, B, L1)')).toBe(max(A, B, L1));
    expect(read('pred > 0 ? pred : 0')).toBe(where(gt(pred, 0), pred, 0));
    expect(read('where(gt(pred, 0), pred, 0)')).toBe(read('where(pred > 0, pred, 0)'));
    expect(read('softmax(pred) / 2')).toBe(div(softmax(pred), 2));
    expect(read('relu(log(pred))')).toBe(relu(log(pred)));
    expect(read('state("ema.mean", ["class"])')).toBe(state('ema.mean', ['class']));
    expect(read('input("a b")')).toBe(input('a b'));
    expect(read('input("scalar", [])')).toBe(input('scalar', []));
    expect(read('param("lr", 0.1)')).toBe(param('lr', { default: 0.1 }));
    expect(read('A .* B ./ L1')).toBe(div(mul(A, B), L1));
  });

  /** [formula, what the message says, position, unknown name] */
  const bad: [string, RegExp, number, string?][] = [
    ['', /^empty formula at 0: expected an expression/, 0],
    ['A +', /^syntax error at 3: Unexpected end of expression/, 3],
    ['(A', /^syntax error at 2: Parenthesis \) expected/, 2],
    ['A + * B', /^syntax error at 4: Value expected/, 4],
    ['foo(A)', /^unknown function 'foo' at 0: expected one of exp, log, /, 0, 'foo'],
    ['exp(L1) + exp(L2) + foo(1)', /^unknown function 'foo' at 20/, 20, 'foo'],
    ['ReLU(L1)', /^unknown function 'ReLU' at 0: did you mean 'relu'\?/, 0, 'ReLU'],
    ['L1 + bar', /^unknown name 'bar' at 5: bind it with the names option or list it in params; known names: pred, /, 5, 'bar'],
    ['A + A * C + C', /^unknown name 'C' at 8/, 8, 'C'],
    ['sqrt + 1', /^unknown name 'sqrt' at 0: .*'sqrt' is a function: call it as sqrt\(x\)/, 0, 'sqrt'],
    ['1 + exp(L1, 2)', /^wrong number of arguments to 'exp' at 4: expected 1, as in exp\(x\), got 2/, 4],
    ['where(L1, L2)', /^wrong number of arguments to 'where' at 0: expected 3/, 0],
    ['elu(L1, 1, 2)', /^wrong number of arguments to 'elu' at 0: expected 1 to 2/, 0],
    ['min(L1)', /^wrong number of arguments to 'min' at 0: expected at least 2/, 0],
    ['elu(L1, A)', /^argument 2 of elu at 8: must be a number literal/, 8],
    ['sum(pred, "channel")', /^unknown axis role 'channel' at 10: expected one of "batch", "class", "spatial"/, 10, 'channel'],
    ['sum(pred, "a:b")', /^unknown axis role 'a:b' at 10: expected one of/, 10, 'a:b'],
    ['sum(pred, 3)', /^argument 2 of sum \(an axis role\) at 10: must be a quoted string/, 10],
    ['ema(L1, 0.9, slot)', /^argument 3 of ema at 13: must be a quoted string/, 13],
    ['L1 + softmax(A)', /^role error in softmax\(\.\.\.\) at 5: softmax needs an operand with a class axis, got \[\] \(param 'A'\)/, 5],
    ['mean(L1, "class")', /^role error in mean\(\.\.\.\) at 0: mean over \[class\], but its operand spans \[\]/, 0],
    ['A % B', /^unsupported operator '%' at 2: expected one of \+ - \* \/ \^ > >= < <= ==/, 2, '%'],
    ['A != B', /^unsupported operator '!=' at 2/, 2, '!='],
    ["A'", /^unsupported operator ''' at 1: expected one of/, 1, "'"],
    ['A and B', /^unsupported operator 'and' at 2/, 2, 'and'],
    ['A < B < L1', /^chained comparison at 0: compare two values at a time/, 0],
    ['"abc" + 1', /^unexpected string "abc" at 0: strings only name roles or slots/, 0],
    ['[1, A]', /^each entry of a per-class constant at 4: must be a number literal/, 4],
    ['A = 1', /^the formula ends with an assignment at 0/, 0],
    ['A.b + 1', /^unsupported syntax \(Accessor\) at 0/, 0],
    ['f(x) = x; f(1)', /^expected `name = expression` before the last line at 0/, 0],
    ['1 + (A = 2)', /^assignment inside an expression at 5/, 5],
    // names of Object.prototype members are not functions or bindings
    ['constructor(A)', /^unknown function 'constructor' at 0/, 0, 'constructor'],
    ['A * toString', /^unknown name 'toString' at 4/, 4, 'toString'],
  ];

  it.each(bad)('rejects %j with a clear error and its position', (text, message, position, unknownName) => {
    let error: unknown;
    try {
      read(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    const e = error as ParseError;
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
    expect(e.unknownName).toBe(unknownName);
    // the message points at the spot with a caret under the line
    const [, line, caret] = e.message.split('\n');
    expect(line).toBe(`  ${text}`);
    expect(caret!.indexOf('^') - 2).toBe(position);
  });

  it('reports a position on the right line of a multi-line formula', () => {
    const text = 'X = mean(pred)\nY = X + oops\nX + Y';
    expect(() => read(text)).toThrow(/unknown name 'oops' at 23/);
    try {
      read(text);
    } catch (e) {
      expect((e as ParseError).message.split('\n').slice(1)).toEqual(['  Y = X + oops', '          ^']);
    }
  });

  it('reads long sums without deep recursion and points into them on error', () => {
    const terms = Array.from({ length: 10000 }, (_, i) => `A*${i}`);
    expect(read(terms.join(' + ')).op).toBe('add');
    const text = `${terms.join(' + ')} + oops`;
    let error: unknown;
    try {
      read(text);
    } catch (e) {
      error = e;
    }
    expect((error as ParseError).position).toBe(text.indexOf('oops'));
    // a long line is cut to a window around the position
    const [, line, caret] = (error as ParseError).message.split('\n');
    expect(line!.length).toBeLessThan(140);
    expect(line!.slice(caret!.indexOf('^'))).toBe('oops');
  });

  it('turns absurd input into a ParseError, never a crash deep inside', () => {
    expect(() => read(`${'('.repeat(20000)}A${')'.repeat(20000)}`)).toThrow(ParseError);
    expect(() => parse(42 as unknown as string)).toThrow(/a formula must be a string, got number/);
    expect(() => read('A +* B )(')).toThrow(ParseError);
  });
});
