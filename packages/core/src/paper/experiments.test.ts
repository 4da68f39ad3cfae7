import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { input } from '../builders.js';
import { type Tensor, evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { type Data, inputsOf, makeData } from '../losses/reference.test-support.js';
import { validateInputs } from '../losses/validate-inputs.js';
import { finiteDifferenceGradient, maxRelativeError } from '../testing/finite-difference.js';
import { paperExperiments } from './experiments.js';
import type { PaperReading } from './terms.js';

/** Table 1 of the paper, verbatim. */
const TABLE_1 = [
  'None',
  'Combination L1 and L2 loss function with convex coefficient',
  'Combination L1 and L2 loss function with linear coefficient',
  'Nonlinear exponential loss function with convex coefficient',
  'Nonlinear exponential loss function with linear coefficient',
  'Exponential hybrid loss function with convex coefficient',
  'Exponential hybrid loss function with linear coefficient',
  ...['convex', 'linear'].flatMap((k) =>
    ['no filter', 'ReLU', 'eLU', 'Bi-ReLU', 'Bi-eLU'].map((f) => `Exponential moving average loss function with ${k} coefficient adopted ${f}`),
  ),
  ...['convex', 'linear'].flatMap((k) =>
    ['no filter', 'ReLU', 'eLU', 'Bi-ReLU', 'Bi-eLU'].map((f) => `Exponential hybrid v2 loss function with ${k} coefficient adopted ${f}`),
  ),
];

// ---- an independent plain-JS reading of the paper (with the interpretations of docs/paper.md) ----
const elu = (z: number) => (z > 0 ? z : Math.expm1(z));
const FILTER: Record<string, (z: number) => number> = {
  none: (z) => z,
  sqrt: (z) => Math.sqrt(Math.max(z, 0) + 1e-6) - 1e-3,
  relu: (z) => Math.max(z, 0),
  elu,
  biRelu: (z) => Math.max(z, 0) - Math.max(-z, 0),
  biElu: (z) => elu(z) - elu(-z),
};
const FILTERS = ['none', 'relu', 'elu', 'biRelu', 'biElu'];

interface Terms {
  ce: number;
  L1: number;
  L2: number;
  /** Per pixel (batch-major): the mean over classes of |p - t| and of (p - t)^2. */
  L1px: number[];
  L2px: number[];
}

function terms(d: Data): Terms {
  let ce = 0;
  let l1 = 0;
  let l2 = 0;
  const L1px: number[] = [];
  const L2px: number[] = [];
  for (let b = 0; b < d.N; b++)
    for (let s = 0; s < d.S; s++) {
      let p1 = 0;
      let p2 = 0;
      const z = Array.from({ length: d.C }, (_, c) => d.pred[(b * d.C + c) * d.S + s]!);
      const m = Math.max(...z);
      const total = z.reduce((a, v) => a + Math.exp(v - m), 0);
      z.forEach((v, c) => {
        const t = d.target[(b * d.C + c) * d.S + s]!;
        const p = Math.exp(v - m) / total;
        ce -= t * (v - m - Math.log(total));
        l1 += Math.abs(p - t);
        l2 += (p - t) ** 2;
        p1 += Math.abs(p - t) / d.C;
        p2 += (p - t) ** 2 / d.C;
      });
      L1px.push(p1);
      L2px.push(p2);
    }
  return { ce: ce / (d.N * d.S), L1: l1 / (d.N * d.C * d.S), L2: l2 / (d.N * d.C * d.S), L1px, L2px };
}

/** Each experiment's hybrid term from the printed equations; `dyn` maps the dynamic (EMA) argument z. */
function hybrid(id: number, L1: number, L2: number, A: number, B: number, dyn: (z: number) => number): number {
  const expTerm = (k: number) => A * L1 * Math.exp(k * L2);
  const step1Mixed = A * L1 - (1 - A) * L1 - B * L2;
  const step1Linear = A * L1 - B * L1 - B * L2;
  if (id === 1) return 0;
  if (id === 2) return A * L1 + (1 - A) * L2;
  if (id === 3) return A * L1 + B * L2;
  if (id === 4) return expTerm(1 - A);
  if (id === 5) return expTerm(B);
  if (id === 6) return expTerm(1 - A) + A * L1 + (1 - A) * L2;
  if (id === 7) return expTerm(B) + A * L1 + B * L2;
  const f = FILTER[FILTERS[(id - 8) % 5]!]!;
  if (id <= 12) return f(dyn(A * step1Mixed + (1 - A) * L2));
  if (id <= 17) return f(dyn(A * step1Mixed + B * L2));
  if (id === 18) return FILTER.sqrt!(dyn(A * step1Mixed + (1 - A) * L2)) + expTerm(1 - A);
  if (id <= 22) return f(dyn(A * step1Mixed + (1 - A) * L2)) + expTerm(1 - A);
  return f(dyn(A * step1Linear + B * L2)) + expTerm(B);
}

const average = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** The mean over pixels of the dynamic argument z ('pixel' reading) or the scalar z ('batch'). */
function meanZ(id: number, t: Terms, A: number, B: number, reading: PaperReading): number {
  let z = 0;
  const capture = (v: number) => {
    z = v;
    return v;
  };
  if (reading === 'batch') {
    hybrid(id, t.L1, t.L2, A, B, capture);
    return z;
  }
  return average(
    t.L1px.map((l1, i) => {
      hybrid(id, l1, t.L2px[i]!, A, B, capture);
      return z;
    }),
  );
}

/**
 * The loss under a reading. `movingAverage` maps this step's (mean) z to its moving average: per
 * pixel it shifts every pixel's z by movingAverage(mean z) - mean z (docs/paper.md).
 */
function reference(id: number, t: Terms, A: number, B: number, reading: PaperReading, movingAverage?: (z: number) => number): number {
  if (reading === 'batch') return t.ce + hybrid(id, t.L1, t.L2, A, B, movingAverage ?? ((z) => z));
  const mz = meanZ(id, t, A, B, 'pixel');
  const shift = movingAverage ? movingAverage(mz) - mz : 0;
  return t.ce + average(t.L1px.map((l1, i) => hybrid(id, l1, t.L2px[i]!, A, B, (z) => z + shift)));
}

const READINGS: readonly PaperReading[] = ['pixel', 'batch'];

/** Logits that put 4 on the labelled class: confident and right, so L2/L1 is small and the dynamic terms go negative. */
function confident(d: Data): Data {
  return { ...d, pred: Float64Array.from(d.target, (t, i) => 4 * t - 0.3 * Math.sin(i)) };
}

const FIXTURES: Array<[string, Data]> = [
  ['random logits', makeData(2, 3, 4, 21)],
  ['confident logits', confident(makeData(2, 3, 4, 22))],
];
const COEFFICIENTS: Array<[number, number]> = [
  [0.25, 0.5],
  [0.6, 1.3],
];
const pred = input('pred');

describe('paperExperiments: the registry', () => {
  it('has the 27 experiments of Table 1 with their equations, coefficients and filters', () => {
    expect(paperExperiments.map((e) => e.id)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
    expect(paperExperiments.map((e) => e.name)).toEqual(TABLE_1);
    expect(paperExperiments.map((e) => e.equation)).toEqual([
      null, 1, 2, 3, 3, null, null, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 7, 8, 8, 8, 9,
    ]);
    expect(paperExperiments.map((e) => e.coefficients)).toEqual([
      null,
      ...['convex', 'linear', 'convex', 'linear', 'convex', 'linear'],
      ...Array(5).fill('convex'),
      ...Array(5).fill('linear'),
      ...Array(5).fill('convex'),
      ...Array(5).fill('linear'),
    ]);
    expect(paperExperiments.map((e) => e.filter)).toEqual([
      ...Array(7).fill('none'),
      ...FILTERS,
      ...FILTERS,
      'sqrt',
      ...FILTERS.slice(1),
      ...FILTERS,
    ]);
  });
  it('each builds a loss over logits and a one-hot target (or labels given numClasses), params A and B', () => {
    for (const e of paperExperiments) {
      const dense = e.build();
      expect(dense.inputs.pred?.domain).toBe('logits');
      expect(dense.inputs.target?.domain).toBe('onehot');
      expect(dense.params).toEqual(e.id === 1 ? {} : e.coefficients === 'convex' && e.id <= 6 ? { A: 0.25 } : { A: 0.25, B: 0.5 });
      const sparse = e.build({ numClasses: 3 });
      expect(sparse.inputs.labels).toEqual({ roles: ['batch', 'spatial'], domain: 'labels', numClasses: 3 });
      const stateful = e.build({ ema: 'stateful' });
      if (e.family === 'ema' || e.family === 'hybridV2') expect(stateful.params.decay).toBe(0.9);
      else expect(stateful.expr).toBe(dense.expr);
    }
  });
});

describe('paperExperiments: literal form against the printed equations', () => {
  for (const reading of READINGS)
  for (const [fixture, d] of FIXTURES)
    for (const [A, B] of COEFFICIENTS)
      it(`${reading} reading: all 27 on ${fixture}, A = ${A}, B = ${B}: value, and gradient vs central differences`, () => {
        const t = terms(d);
        const env = { inputs: inputsOf(d), params: { A, B } };
        for (const e of paperExperiments) {
          const loss = e.build({ reading });
          validateInputs(loss, env.inputs);
          expect(evaluateScalar(loss.expr, env), `experiment ${e.id}`).toBeCloseTo(reference(e.id, t, A, B, reading), 11);
          const g = evaluate(gradient(loss.expr, pred), env).value.data;
          expect(maxRelativeError(g, finiteDifferenceGradient(loss.expr, 'pred', env)), `experiment ${e.id}`).toBeLessThan(1e-6);
        }
      });

  it('sparse labels give the same value as the one-hot target', () => {
    const d = FIXTURES[0]![1];
    for (const reading of READINGS)
      for (const e of paperExperiments)
        expect(evaluateScalar(e.build({ numClasses: 3, reading }).expr, { inputs: inputsOf(d) })).toBeCloseTo(
          evaluateScalar(e.build({ reading }).expr, { inputs: inputsOf(d) }),
          12,
        );
  });

  it("the default reading is 'pixel', and it differs from 'batch' wherever an equation is nonlinear in L1, L2", () => {
    const d = FIXTURES[0]![1];
    for (const e of paperExperiments) {
      expect(e.build().expr).toBe(e.build({ reading: 'pixel' }).expr);
      const value = (reading: PaperReading) => evaluateScalar(e.build({ reading }).expr, { inputs: inputsOf(d) });
      // a term linear in L1, L2 has the same mean either way: CE (1), Eqs. 1-2 (2, 3), the EMA
      // terms without a filter (8, 13) and with Bi-ReLU, the identity on one value (11, 16)
      if ([1, 2, 3, 8, 11, 13, 16].includes(e.id)) expect(value('pixel'), `experiment ${e.id}`).toBeCloseTo(value('batch'), 12);
      else expect(value('pixel'), `experiment ${e.id}`).not.toBeCloseTo(value('batch'), 6);
    }
    expect(() => paperExperiments[0]!.build({ reading: 'image' as PaperReading })).toThrow(/reading must be 'pixel' or 'batch'/);
  });

  it('under the default reading the 27 are distinct functions except the Bi-ReLU pairs (11 = 8, 16 = 13, 26 = 23)', () => {
    // mixed confidence: some pixels confidently right (negative dynamic argument), some not
    const d = makeData(2, 3, 6, 41);
    const mixed = { ...d, pred: Float64Array.from(d.pred, (v, i) => (i % 3 === 0 ? 4 * d.target[i]! : v)) };
    // two experiments are the same function only if they agree on every data set
    const agreeing = (data: Data) => {
      const values = paperExperiments.map((e) => evaluateScalar(e.build().expr, { inputs: inputsOf(data) }));
      const pairs = new Set<string>();
      for (let i = 0; i < 27; i++)
        for (let j = i + 1; j < 27; j++) if (Math.abs(values[i]! - values[j]!) < 1e-12) pairs.add(`${i + 1}=${j + 1}`);
      return pairs;
    };
    const [first, ...rest] = [mixed, FIXTURES[0]![1], makeData(3, 4, 5, 42)].map(agreeing);
    const coinciding = [...first!].filter((pair) => rest.every((pairs) => pairs.has(pair)));
    expect(coinciding.sort()).toEqual(['13=16', '23=26', '8=11']);
  });

  it('the filters act: on confident logits the dynamic term is negative and ReLU / eLU / Bi-eLU differ from no filter', () => {
    const d = FIXTURES[1]![1];
    const value = (id: number) => evaluateScalar(paperExperiments[id - 1]!.build({ reading: 'batch' }).expr, { inputs: inputsOf(d) });
    expect(value(9)).toBeGreaterThan(value(8)); // ReLU clips the negative term to 0
    expect(value(10)).not.toBeCloseTo(value(8), 8);
    expect(value(12)).not.toBeCloseTo(value(8), 8);
    expect(value(11)).toBeCloseTo(value(8), 12); // Bi-ReLU of one scalar is the identity (docs/paper.md)
  });
});

describe('paperExperiments: stateful EMA', () => {
  const decay = 0.9;
  const [first, second] = [FIXTURES[0]![1], confident(makeData(2, 3, 4, 23))];
  for (const reading of READINGS)
  it(`${reading} reading: step 1 equals the literal form; step 2 is the bias-corrected moving average of the dynamic term`, () => {
    const t1 = terms(first);
    const t2 = terms(second);
    for (const e of paperExperiments.filter((x) => x.family === 'ema' || x.family === 'hybridV2')) {
      const loss = e.build({ ema: 'stateful', reading });
      const step1 = evaluate(loss.expr, { inputs: inputsOf(first) });
      expect(step1.value.data[0], `experiment ${e.id} step 1`).toBeCloseTo(reference(e.id, t1, 0.25, 0.5, reading), 11);
      const env2 = { inputs: inputsOf(second), state: step1.nextState as Record<string, Tensor> };
      const z1 = meanZ(e.id, t1, 0.25, 0.5, reading);
      const movingAverage = (z2: number) => (decay * (1 - decay) * z1 + (1 - decay) * z2) / (1 - decay ** 2);
      expect(evaluateScalar(loss.expr, env2), `experiment ${e.id} step 2`).toBeCloseTo(reference(e.id, t2, 0.25, 0.5, reading, movingAverage), 11);
      const g = evaluate(gradient(loss.expr, pred), env2).value.data;
      expect(maxRelativeError(g, finiteDifferenceGradient(loss.expr, 'pred', env2)), `experiment ${e.id}`).toBeLessThan(1e-6);
    }
  });
});

describe('paperExperiments: no NaN or Inf for valid inputs', () => {
  it('at logits of +-100 and with exp overflow (B = 1e4), values and gradients stay finite', () => {
    const d = makeData(2, 3, 3, 31);
    const extreme = { ...d, pred: Float64Array.from(d.pred, (_, i) => [100, -100, 0, 37][i % 4]!) };
    for (const params of [{}, { B: 1e4 }, { A: 0.999, B: 1e6 }])
      for (const ema of ['literal', 'stateful'] as const)
        for (const e of paperExperiments) {
          const loss = e.build({ ema });
          const env = { inputs: inputsOf(extreme), params };
          const value = evaluateScalar(loss.expr, env);
          expect(Number.isFinite(value), `experiment ${e.id} ${JSON.stringify(params)}`).toBe(true);
          const g = evaluate(gradient(loss.expr, pred), env).value.data;
          expect(g.every(Number.isFinite), `experiment ${e.id} ${JSON.stringify(params)}`).toBe(true);
        }
  });
});

describe('paperExperiments: property over shapes, coefficients and EMA mode', () => {
  it('value matches the plain-JS reading and the gradient matches central differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 27 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.boolean(),
        fc.constantFrom(...READINGS),
        (id, N, C, S, seed, A, B, sparse, reading) => {
          const d = makeData(N, C, S, seed);
          const loss = paperExperiments[id - 1]!.build(sparse ? { numClasses: C, reading } : { reading });
          const env = { inputs: inputsOf(d), params: { A, B } };
          expect(evaluateScalar(loss.expr, env)).toBeCloseTo(reference(id, terms(d), A, B, reading), 10);
          const g = evaluate(gradient(loss.expr, pred), env).value.data;
          expect(maxRelativeError(g, finiteDifferenceGradient(loss.expr, 'pred', env))).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 80, seed: 1127 },
    );
  });
});
