import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { input } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { finiteDifferenceGradient, maxRelativeError } from '../testing/finite-difference.js';
import { catalogue, catalogueCases } from './catalogue.js';
import type { Loss } from './loss.js';
import { type Data, type Options, REFERENCE, binaryInputsOf, inputsOf, makeData } from './reference.test-support.js';
import { validateInputs } from './validate-inputs.js';

type Entry = keyof typeof catalogue;
const build = (entry: Entry, options: Options): Loss => (catalogue[entry] as (o: Options) => Loss)(options);

/** Binary and multilabel losses read the 0/1 target; everything else the one-hot one. */
const usesBinaryTarget = (entry: Entry, o: Options): boolean =>
  o.mode === 'binary' || o.mode === 'multilabel' || (entry === 'binaryCrossEntropy' && o.mode === undefined);

function inputsFor(entry: Entry, o: Options, d: Data) {
  return usesBinaryTarget(entry, o) ? binaryInputsOf(d) : inputsOf(d);
}

function dataFor(o: Options, entry: Entry, seed: number, N = 2, C = 3, S = 5): Data {
  const binaryMode = o.mode === 'binary' || (entry === 'binaryCrossEntropy' && o.mode === undefined);
  return makeData(N, binaryMode ? 1 : C, S, seed, o.fromLogits === false);
}

const W3 = [0.5, 1, 2];
const CASES: Array<[Entry, Options]> = [
  ['l1', {}],
  ['l1', { reduction: 'sum' }],
  ['l2', {}],
  ['huber', {}],
  ['huber', { delta: 0.3 }],
  ['logCosh', {}],
  ['logCosh', { reduction: 'sum' }],
  ['binaryCrossEntropy', {}],
  ['binaryCrossEntropy', { sparse: true }],
  ['binaryCrossEntropy', { mode: 'multilabel' }],
  ['binaryCrossEntropy', { mode: 'multilabel', fromLogits: false }],
  ['binaryCrossEntropy', { mode: 'multilabel', labelSmoothing: 0.2, classWeights: W3 }],
  ['binaryCrossEntropy', { mode: 'multilabel', mask: true, reduction: 'sum' }],
  ['categoricalCrossEntropy', {}],
  ['categoricalCrossEntropy', { fromLogits: false }],
  ['categoricalCrossEntropy', { labelSmoothing: 0.1 }],
  ['categoricalCrossEntropy', { classWeights: W3 }],
  ['categoricalCrossEntropy', { mask: true }],
  ['categoricalCrossEntropy', { reduction: 'sum' }],
  ['sparseCategoricalCrossEntropy', { numClasses: 3 }],
  ['sparseCategoricalCrossEntropy', { numClasses: 3, ignoreIndex: 1 }],
  ['sparseCategoricalCrossEntropy', { numClasses: 3, ignoreIndex: 0, classWeights: W3, labelSmoothing: 0.05 }],
  ['focal', {}],
  ['focal', { gamma: 0 }],
  ['focal', { gamma: 0.5 }],
  ['focal', { gamma: 3, alpha: 0.5 }],
  ['focal', { classWeights: W3 }],
  ['focal', { sparse: true, numClasses: 3, ignoreIndex: 2 }],
  ['focal', { mode: 'multilabel', alpha: 0.25 }],
  ['focal', { mode: 'multilabel', fromLogits: false, gamma: 1.5 }],
  ['focal', { mode: 'binary' }],
  ['dice', {}],
  ['dice', { perImage: true }],
  ['dice', { includeBackground: false, numClasses: 3 }],
  ['dice', { classWeights: W3, perImage: true }],
  ['dice', { sparse: true, numClasses: 3, ignoreIndex: 0 }],
  ['dice', { mask: true }],
  ['dice', { mode: 'multilabel' }],
  ['dice', { mode: 'binary' }],
  ['dice', { mode: 'binary', sparse: true }],
  ['dice', { fromLogits: false }],
  ['dice', { smooth: 0 }],
  ['dice', { smooth: 1, reduction: 'sum' }],
  ['jaccard', {}],
  ['jaccard', { perImage: true, smooth: 1 }],
  ['tversky', { alpha: 0.3, beta: 0.7 }],
  ['tversky', { alpha: 0.7, beta: 0.3, perImage: true }],
  ['focalTversky', {}],
  ['focalTversky', { gamma: 2 }],
  ['focalTversky', { gamma: 1.5, mode: 'multilabel' }],
  ['generalizedDice', {}],
  ['generalizedDice', { perImage: true }],
  ['generalizedDice', { sparse: true, numClasses: 3, ignoreIndex: 1, classWeights: W3 }],
  ['logCoshDice', {}],
  ['logCoshDice', { mode: 'multilabel', perImage: true }],
];

const pred = input('pred');

function checkCase(entry: Entry, o: Options, d: Data) {
  const loss = build(entry, o);
  const inputs = inputsFor(entry, o, d);
  validateInputs(loss, inputs);
  const env = { inputs };
  const value = evaluateScalar(loss.expr, env);
  expect(value).toBeCloseTo(REFERENCE[entry]!(d, o), 10);
  const g = evaluate(gradient(loss.expr, pred), env).value.data;
  expect(g.every(Number.isFinite)).toBe(true);
  const numeric = finiteDifferenceGradient(loss.expr, 'pred', env);
  expect(maxRelativeError(g, numeric)).toBeLessThan(1e-6);
}

describe('catalogue losses against plain-JS references', () => {
  it.each(CASES.map(([entry, o]) => [`${entry} ${JSON.stringify(o)}`, entry, o] as const))(
    '%s: value and gradient (central differences)',
    (_, entry, o) => checkCase(entry, o, dataFor(o, entry, 7)),
  );

  it('random shapes and option mixes agree with the reference (property)', () => {
    const caseIndex = fc.integer({ min: 0, max: CASES.length - 1 });
    fc.assert(
      fc.property(caseIndex, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (k, N, C, S, seed) => {
        const [entry, o] = CASES[k]!;
        const fixed: Options = { ...o };
        if (o.numClasses !== undefined) fixed.numClasses = C;
        if (o.classWeights) fixed.classWeights = Array.from({ length: C }, (_, c) => 0.5 + c);
        if (o.ignoreIndex !== undefined) fixed.ignoreIndex = Math.min(o.ignoreIndex, C - 1);
        checkCase(entry, fixed, dataFor(fixed, entry, seed, N, C, S));
      }),
      { numRuns: 60, seed: 20261127 },
    );
  });
});

describe("reduction 'none'", () => {
  const d = makeData(2, 3, 4, 3);
  const inputs = inputsOf(d);
  it('l1: per element', () => {
    const v = evaluate(catalogue.l1({ reduction: 'none' }).expr, { inputs }).value;
    expect(v.roles).toEqual(['batch', 'class', 'spatial']);
    expect(Array.from(v.data)).toEqual(Array.from(d.pred, (p, i) => Math.abs(p - d.target[i]!)));
  });
  it('categorical cross-entropy: per pixel [batch, spatial], summing to the sum reduction', () => {
    const v = evaluate(catalogue.categoricalCrossEntropy({ reduction: 'none' }).expr, { inputs }).value;
    expect(v.roles).toEqual(['batch', 'spatial']);
    const total = evaluateScalar(catalogue.categoricalCrossEntropy({ reduction: 'sum' }).expr, { inputs });
    expect(v.data.reduce((a, x) => a + x, 0)).toBeCloseTo(total, 12);
  });
  it('dice: per class, or per image and class', () => {
    expect(evaluate(catalogue.dice({ reduction: 'none' }).expr, { inputs }).value.roles).toEqual(['class']);
    const perImage = evaluate(catalogue.dice({ reduction: 'none', perImage: true }).expr, { inputs }).value;
    expect(perImage.roles).toEqual(['batch', 'class']);
    const mean = evaluateScalar(catalogue.dice({ perImage: true }).expr, { inputs });
    expect(perImage.data.reduce((a, x) => a + x, 0) / perImage.data.length).toBeCloseTo(mean, 12);
  });
});

describe('catalogueCases', () => {
  it('lists every catalogue entry, each a scalar loss describing all of its inputs', () => {
    const cases = catalogueCases(3);
    for (const entry of Object.keys(catalogue)) expect(cases.some((c) => c.name.startsWith(entry))).toBe(true);
    for (const { loss } of cases) {
      expect(loss.expr.roles).toEqual([]);
      expect(Object.keys(loss.inputs)).toContain('pred');
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('builds for any class count', () => {
    for (const C of [1, 2, 5]) expect(catalogueCases(C).length).toBeGreaterThan(20);
  });

  it('every case is finite with finite gradients at logits of +-100', () => {
    const N = 2;
    const C = 3;
    const S = 3;
    const extreme = Float64Array.from({ length: N * C * S }, (_, i) => [100, -100, 0, 60][i % 4]!);
    const base = makeData(N, C, S, 11);
    for (const { name, loss } of catalogueCases(C)) {
      const fromLogits = loss.inputs.pred!.domain === 'logits';
      const data = { ...base, pred: fromLogits ? extreme : Float64Array.from(extreme, (x) => (x > 0 ? 1 : 0)) };
      const binaryTarget = loss.inputs.target?.domain === 'binary';
      const inputs = binaryTarget ? binaryInputsOf(data) : inputsOf(data);
      const sampleWeight = { shape: [N], data: Float64Array.from({ length: N }, (_, b) => b + 0.5) };
      const env = { inputs: loss.inputs.sampleWeight ? { ...inputs, sampleWeight } : inputs };
      const value = evaluateScalar(loss.expr, env);
      expect(Number.isFinite(value), name).toBe(true);
      const g = evaluate(gradient(loss.expr, pred), env).value.data;
      expect(g.every(Number.isFinite), name).toBe(true);
    }
  });
});
