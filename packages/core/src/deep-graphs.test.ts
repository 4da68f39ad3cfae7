import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Node,
  ParseError,
  abs,
  add,
  constant,
  evaluate,
  exp,
  gradient,
  input,
  log,
  mean,
  mul,
  nodeCount,
  parse,
  print,
  simplify,
  toLatex,
  topoSort,
} from './index.js';
import { chainArbitrary, deepChain, sumArbitrary, wideSum } from './testing/deep-graphs.js';
import { finiteDifferenceGradient, maxRelativeError, seededRandom } from './testing/finite-difference.js';
import { ARBITRARY_CLASSES, expressionArbitrary, leafNames } from './testing/arbitrary.js';

// Every pass walks graphs through `postOrder` (an explicit stack), so depth costs memory, not
// call stack; collecting a sum costs O(n log n), not O(n^2). Sizes: well past where each pass
// used to overflow (toOnnx ~3000, tfjs ~8000, simplify of sums ~10^4 terms) and small enough for
// CI. A generous timeout is a sanity bound, not a benchmark (bench/deep-graphs.ts measures).
const LONG = 60_000;

const x = input('x', ['batch']);
const X = [-0.7, 0.1, 1.3];
const env = { inputs: { x: { shape: [X.length], data: X } } };

/** deepChain in plain JavaScript: the steps tanh(e), e + 0.25, -e in turn. */
function chainValue(x0: number, depth: number): number {
  let e = x0;
  for (let i = 0; i < depth; i++) e = i % 3 === 0 ? Math.tanh(e) : i % 3 === 1 ? e + 0.25 : -e;
  return e;
}

const values = (e: Node): number[] => [...evaluate(e, env).value.data];

describe('a chain of 30000 ops', () => {
  const depth = 30_000;
  const chain = deepChain(x, depth);

  it('is walked, evaluated, printed and read back', { timeout: LONG }, () => {
    // depth ops, x and the constant 0.25
    expect(topoSort([chain]).length).toBe(depth + 2);
    expect(nodeCount(chain)).toBe(depth + 2);
    const want = X.map((v) => chainValue(v, depth));
    expect(maxRelativeError(values(chain), want)).toBeLessThan(1e-12);
    expect(print(chain).length).toBeGreaterThan(depth);
    expect(toLatex(chain).length).toBeGreaterThan(depth);
    // one expression this deep is beyond the parser's stack: a ParseError, never a RangeError
    expect(() => parse(print(chain), { names: { x } })).toThrow(ParseError);
    // shared text names every 64th level, so it reads back at any depth
    expect(parse(print(chain, { share: true }), { names: { x } }) === chain).toBe(true);
  });

  it('is differentiated (raw and simplified) and simplified', { timeout: LONG }, () => {
    const raw = gradient(mean(chain), x, { simplify: false });
    const simplified = gradient(mean(chain), x);
    const shorter = deepChain(x, 3000);
    const fd = finiteDifferenceGradient(mean(shorter), 'x', env);
    expect(maxRelativeError(values(gradient(mean(shorter), x)), fd)).toBeLessThan(1e-6);
    expect(maxRelativeError(values(simplified), values(raw))).toBeLessThan(1e-12);
    expect(maxRelativeError(values(simplify(chain)), values(chain))).toBe(0);
  });

  it('keeps guards that look down the whole chain (x*0, exp(log x)) iterative', { timeout: LONG }, () => {
    // isAlwaysFinite and isNonNegative walk the operand: tanh, +, - are finite ops
    const zero = simplify(mul(chain, 0));
    expect([zero.op, zero.args[0]]).toEqual(['broadcastLike', constant(0)]);
    let positive: Node = abs(x);
    for (let i = 0; i < 15_000; i++) positive = add(positive, abs(add(x, i + 1)));
    expect(simplify(exp(log(positive))) === simplify(positive)).toBe(true);
  });
});

describe('a sum of many distinct terms', () => {
  const terms = 15_000;
  const wide = wideSum(x, terms);

  it('is simplified in near-linear time and unchanged (nothing to collect)', { timeout: LONG }, () => {
    // quadratic before: 8000 terms took 39 s, 10^4 overflowed the stack in collect.ts
    expect(simplify(wide) === wide).toBe(true);
    expect(simplify(mean(wide)) === mean(wide)).toBe(true);
  });

  it('collects like terms and shared factors anywhere in it, as a short sum does', { timeout: LONG }, () => {
    const first = mul(1, exp(add(x, 0)));
    const withRepeat = add(add(first, wideSum(x, terms)), first);
    const collected = simplify(withRepeat);
    expect(nodeCount(collected)).toBeLessThan(nodeCount(withRepeat));
    expect(maxRelativeError(values(collected), values(withRepeat))).toBeLessThan(1e-12);
    // a factor shared by every term is pulled out: x*(t_0 + t_1 + ...) (every prefix collects
    // here, and each compares node counts over the whole prefix: quadratic, so a short sum)
    let shared: Node = mul(x, add(x, 1));
    for (let i = 2; i <= 300; i++) shared = add(shared, mul(x, add(x, i)));
    const factored = simplify(shared);
    expect(print(factored)).toBe('x * (300 * x + 45150)');
    // a product of 1000 factors in two terms: the brackets nest 1000 deep, on an explicit stack
    let product: Node = input('x0', ['batch']);
    for (let i = 1; i < 1000; i++) product = mul(product, input(`x${i}`, ['batch']));
    const [a, b] = [input('a', ['batch']), input('b', ['batch'])];
    const pulled = simplify(add(mul(product, a), mul(product, b)));
    expect(nodeCount(pulled)).toBe(nodeCount(add(mul(product, a), mul(product, b))) - 1);
  });

  it('is differentiated', { timeout: LONG }, () => {
    // every term of the gradient shares the upstream factor, so every prefix of its sum collects
    // and compares node counts over the whole prefix: still quadratic (docs/reliability.md known
    // limits), so fewer terms here
    const terms = 1000;
    const g = gradient(mean(wideSum(x, terms)), x);
    // d/dx sum (i+2) tanh(x + (i+1)/n) = sum (i+2) (1 - tanh^2(x + (i+1)/n)), divided by the batch size
    const want = X.map((v) => {
      let s = 0;
      for (let i = 0; i < terms; i++) s += (i + 2) * (1 - Math.tanh(v + (i + 1) / terms) ** 2);
      return s / X.length;
    });
    expect(maxRelativeError(values(g), want)).toBeLessThan(1e-9);
  });
});

describe('random deep and wide graphs (fast-check)', () => {
  const runs = { numRuns: 8, seed: 20261202 };

  it('deep chains: shared print reads back, simplify and gradient keep the value', { timeout: LONG }, () => {
    fc.assert(
      fc.property(chainArbitrary(x, 300, 3000), (chain) => {
        expect(parse(print(chain, { share: true }), { names: { x } }) === chain).toBe(true);
        const loss = mean(chain);
        expect(maxRelativeError(values(simplify(loss)), values(loss))).toBeLessThan(1e-9);
        const fd = finiteDifferenceGradient(loss, 'x', env);
        expect(maxRelativeError(values(gradient(loss, x)), fd)).toBeLessThan(1e-5);
      }),
      runs,
    );
  });

  it('wide sums of random terms: print reads back, simplify keeps the value', { timeout: LONG }, () => {
    // random terms over pred, target, A, B: like terms and shared factors do occur
    const term = expressionArbitrary({ maxDepth: 3, ops: ['add', 'mul', 'sub', 'tanh', 'square', 'neg'], stateAndSize: false, vectors: false });
    const random = seededRandom(7);
    const dense = { shape: [2, ARBITRARY_CLASSES, 2], data: Array.from({ length: 4 * ARBITRARY_CLASSES }, () => 4 * random() - 2) };
    const at = {
      inputs: { pred: dense, target: { ...dense, data: dense.data.map((v) => -v / 2) }, weights: { shape: [ARBITRARY_CLASSES], data: [0.5, 1, 2] } },
      params: { A: 0.3 },
    };
    fc.assert(
      fc.property(sumArbitrary(term, 300, 1500), (sum) => {
        expect(parse(print(sum), { names: leafNames(sum) }) === sum).toBe(true);
        const s = simplify(sum);
        expect(s.roles).toEqual(sum.roles);
        expect(maxRelativeError(evaluate(s, at).value.data, evaluate(sum, at).value.data)).toBeLessThan(1e-9);
      }),
      runs,
    );
  });
});
