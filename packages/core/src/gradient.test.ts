import { describe, expect, it } from 'vitest';
import * as L from './index.js';
import type { Node } from './index.js';
import { finiteDifferenceGradient, maxRelativeError, seededRandom } from './testing/finite-difference.js';

/** Where the inputs of a row are drawn from: [lo, hi], optionally with a random sign. */
interface Domain {
  lo: number;
  hi: number;
  signed?: boolean;
}
const REAL: Domain = { lo: -2, hi: 2 };
const POSITIVE: Domain = { lo: 0.5, hi: 3 };
const AWAY_FROM_ZERO: Domain = { lo: 0.2, hi: 2, signed: true };

interface Row {
  name: string;
  f: (x: Node, y: Node) => Node;
  x?: Domain;
  y?: Domain;
  /** y = x + offset (for min/max/comparisons: keep the pair away from ties). */
  yOffset?: number;
  /** also differentiate w.r.t. y */
  wrtY?: boolean;
}

/** One row per op, each with an input domain where the op is smooth (JAX's LAX_GRAD_OPS). */
const ROWS: Row[] = [
  { name: 'neg', f: (x) => L.neg(x) },
  { name: 'exp', f: (x) => L.exp(x) },
  { name: 'log', f: (x) => L.log(x), x: POSITIVE },
  { name: 'log1p', f: (x) => L.log1p(x), x: { lo: -0.5, hi: 2 } },
  { name: 'sqrt', f: (x) => L.sqrt(x), x: POSITIVE },
  { name: 'abs', f: (x) => L.abs(x), x: AWAY_FROM_ZERO },
  { name: 'sign', f: (x) => L.mul(L.sign(x), L.square(x)), x: AWAY_FROM_ZERO },
  { name: 'square', f: (x) => L.square(x) },
  { name: 'relu', f: (x) => L.relu(x), x: AWAY_FROM_ZERO },
  { name: 'elu', f: (x) => L.elu(x, 0.7), x: AWAY_FROM_ZERO },
  { name: 'sigmoid', f: (x) => L.sigmoid(x) },
  { name: 'softplus', f: (x) => L.softplus(x) },
  { name: 'tanh', f: (x) => L.tanh(x) },
  { name: 'add', f: (x, y) => L.add(x, y), wrtY: true },
  { name: 'sub', f: (x, y) => L.sub(x, y), wrtY: true },
  { name: 'mul', f: (x, y) => L.mul(x, y), wrtY: true },
  { name: 'div', f: (x, y) => L.div(x, y), y: POSITIVE, wrtY: true },
  { name: 'pow', f: (x, y) => L.pow(x, y), x: POSITIVE, y: { lo: -1.5, hi: 1.5 }, wrtY: true },
  { name: 'min', f: (x, y) => L.min(x, y), yOffset: 0.3, wrtY: true },
  { name: 'max', f: (x, y) => L.max(x, y), yOffset: -0.3, wrtY: true },
  { name: 'gt', f: (x, y) => L.mul(L.gt(x, y), L.exp(x)), yOffset: 0.3 },
  { name: 'ge', f: (x, y) => L.mul(L.ge(x, y), L.exp(x)), yOffset: -0.3 },
  { name: 'lt', f: (x, y) => L.mul(L.lt(x, y), L.exp(x)), yOffset: 0.3 },
  { name: 'le', f: (x, y) => L.mul(L.le(x, y), L.exp(x)), yOffset: -0.3 },
  { name: 'eq', f: (x, y) => L.add(L.eq(x, y), L.square(x)), yOffset: 0.3 },
  { name: 'where', f: (x, y) => L.where(L.gt(x, 0), L.mul(x, y), L.exp(x)), x: AWAY_FROM_ZERO, wrtY: true },
  { name: 'sum', f: (x) => L.square(L.sum(L.exp(x), ['batch', 'spatial'])) },
  { name: 'mean', f: (x) => L.exp(L.mean(x, ['class'])) },
  { name: 'softmax', f: (x) => L.softmax(x) },
  { name: 'logSoftmax', f: (x) => L.logSoftmax(x) },
  { name: 'broadcastLike', f: (x) => L.mul(L.broadcastLike(L.sum(x, ['class']), x), x) },
  { name: 'size', f: (x) => L.div(L.square(x), L.size(['class', 'spatial'])) },
  // y is the key: random reals have no ties, so the order is constant near the point
  { name: 'sortBy', f: (x, y) => L.sortBy(y, L.square(x), ['batch', 'spatial']) },
  { name: 'unsortBy', f: (x, y) => L.unsortBy(y, L.exp(x), ['class', 'spatial']) },
  { name: 'cumsum', f: (x) => L.cumsum(L.square(x), ['batch', 'class', 'spatial']) },
  { name: 'ema', f: (x) => L.ema(L.square(x), 0.8, 'slot') },
  { name: 'param', f: (x) => L.mul(L.param('A', { default: 0.7 }), L.exp(x)) },
];

const SHAPE = [2, 3, 2]; // batch, class, spatial
const N = 12;

function draw(random: () => number, d: Domain): Float64Array {
  return Float64Array.from({ length: N }, () => {
    const v = d.lo + (d.hi - d.lo) * random();
    return d.signed && random() < 0.5 ? -v : v;
  });
}

function setup(row: Row, seed: number) {
  const random = seededRandom(seed);
  const x = L.input('x');
  const y = L.input('y');
  const w = L.input('w');
  const xs = draw(random, row.x ?? REAL);
  const ys = row.yOffset !== undefined ? xs.map((v) => v + row.yOffset!) : draw(random, row.y ?? REAL);
  const inputs = {
    x: { shape: SHAPE, data: xs },
    y: { shape: SHAPE, data: ys },
    w: { shape: SHAPE, data: draw(random, REAL) },
    v: { shape: SHAPE, data: draw(random, REAL) },
  };
  // a weighted sum makes every element's gradient distinct
  const f = L.sum(L.mul(row.f(x, y), w));
  // a state for ema rows, as after a few steps
  const state = { 'slot.mean': { shape: SHAPE, data: draw(random, POSITIVE) }, 'slot.steps': 3 };
  return { x, y, f, env: { inputs, state } };
}

describe('gradient rules against central finite differences (float64)', () => {
  it('has a row for every op', () => {
    const covered = new Set<string>();
    for (const row of ROWS) {
      const { f } = setup(row, 1);
      for (const node of L.topoSort([f, ...L.lowerState([f]).roots])) covered.add(node.op);
    }
    covered.add('stopGradient'); // its own test below: finite differences see through it by design
    expect(L.ALL_OPS.filter((op) => !covered.has(op))).toEqual([]);
  });

  it('stopGradient: the stopped value is a constant to the derivative', () => {
    // d/dx [x * sg(x^2)] = sg(x^2) = x^2, not 3x^2
    const x = L.input('x');
    const g = L.gradient(L.sum(L.mul(x, L.stopGradient(L.square(x)))), x);
    const xs = draw(seededRandom(5), REAL);
    const env = { inputs: { x: { shape: SHAPE, data: xs } } };
    expect(maxRelativeError(L.evaluate(g, env).value.data, xs.map((v) => v * v))).toBeLessThan(1e-12);
    const zero = L.evaluate(L.gradient(L.sum(L.stopGradient(x)), x), env).value.data;
    expect([...zero]).toEqual(new Array(N).fill(0));
  });

  for (const row of ROWS) {
    it(`${row.name}: first order`, () => {
      for (const seed of [1, 2, 3]) {
        const { x, y, f, env } = setup(row, seed);
        for (const [name, leaf] of row.wrtY ? ([['x', x], ['y', y]] as const) : ([['x', x]] as const)) {
          const symbolic = L.evaluate(L.gradient(f, leaf), env).value.data;
          const numeric = finiteDifferenceGradient(f, name, env);
          expect(maxRelativeError(symbolic, numeric), `${row.name} d/d${name}`).toBeLessThan(1e-6);
        }
      }
    });

    it(`${row.name}: second order (Hessian-vector product)`, () => {
      const { x, f, env } = setup(row, 7);
      // d/dx sum(grad_x f * v) = H v
      const hv = L.sum(L.mul(L.gradient(f, x), L.input('v')));
      const symbolic = L.evaluate(L.gradient(hv, x), env).value.data;
      const numeric = finiteDifferenceGradient(hv, 'x', env);
      expect(maxRelativeError(symbolic, numeric)).toBeLessThan(1e-6);
    });
  }

  it('differentiates with respect to parameters', () => {
    const x = L.input('x');
    const A = L.param('A');
    const f = L.mean(L.mul(A, L.exp(L.mul(L.sub(1, A), L.square(x)))));
    const env = { inputs: { x: { shape: SHAPE, data: draw(seededRandom(4), REAL) } } };
    const at = (a: number) => L.evaluateScalar(f, { ...env, params: { A: a } });
    const h = 1e-6;
    const numeric = (at(0.3 + h) - at(0.3 - h)) / (2 * h);
    const symbolic = L.evaluateScalar(L.gradient(f, A), { ...env, params: { A: 0.3 } });
    expect(Math.abs(symbolic - numeric) / Math.abs(numeric)).toBeLessThan(1e-6);
  });

  it('gives zeros shaped like an input the root does not use', () => {
    const x = L.input('x');
    const unused = L.input('u');
    const g = L.gradient(L.sum(L.square(x)), unused);
    expect(g.roles).toEqual(unused.roles);
    const env = { inputs: { x: { shape: SHAPE, data: new Float64Array(N) }, u: { shape: SHAPE, data: new Float64Array(N) } } };
    expect([...L.evaluate(g, env).value.data]).toEqual(new Array(N).fill(0));
  });

  it('sums the gradient back over broadcast roles', () => {
    const perClass = L.input('w', ['class']);
    const x = L.input('x');
    const g = L.gradient(L.sum(L.mul(perClass, x)), perClass);
    expect(g.roles).toEqual(['class']);
    const xs = Float64Array.from({ length: N }, (_, i) => i);
    const env = { inputs: { x: { shape: SHAPE, data: xs }, w: { shape: [3], data: [1, 1, 1] } } };
    // d/dw_c = sum over batch and spatial of x[b, c, s]
    expect([...L.evaluate(g, env).value.data]).toEqual([0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11]);
  });
});
