import { describe, expect, it } from 'vitest';
import { input } from '../builders.js';
import { InputError, evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { catalogue } from './catalogue.js';
import { OptionError } from './options.js';
import { inputsOf, makeData } from './reference.test-support.js';
import { validateInputs } from './validate-inputs.js';

const pred = input('pred');
const d = makeData(2, 3, 4, 5);

describe('option validation', () => {
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['unknown option', () => catalogue.dice({ smoth: 1 } as never), /dice: unknown option 'smoth'; known options: .*smooth/],
    ['alpha < 0', () => catalogue.tversky({ alpha: -0.1 }), /tversky: option alpha = -0.1 is invalid; expected a finite number >= 0/],
    ['gamma < 0', () => catalogue.focal({ gamma: -1 }), /focal: option gamma = -1 is invalid/],
    ['label smoothing > 1', () => catalogue.categoricalCrossEntropy({ labelSmoothing: 1.5 }), /labelSmoothing = 1.5 is invalid; expected a finite number >= 0 <= 1/],
    ['bad mode', () => catalogue.dice({ mode: 'multiclas' as never }), /mode = "multiclas" is invalid; expected 'binary' \| 'multiclass' \| 'multilabel'/],
    ['bad reduction', () => catalogue.l1({ reduction: 'avg' as never }), /reduction = "avg" is invalid/],
    ['huber delta 0', () => catalogue.huber({ delta: 0 }), /delta = 0 is invalid; expected a finite number > 0/],
    ['sparse without numClasses', () => catalogue.dice({ sparse: true }), /sparse labels need numClasses/],
    ['ignoreIndex on a dense target', () => catalogue.categoricalCrossEntropy({ ignoreIndex: 255 }), /ignoreIndex needs sparse labels/],
    ['class weights of the wrong length', () => catalogue.dice({ classWeights: [1, 2], numClasses: 3 }), /classWeights has 2 values but numClasses is 3/],
    ['negative class weight', () => catalogue.focal({ classWeights: [1, -2] }), /classWeights = \[1,-2\] is invalid/],
    ['excluding background without a class count', () => catalogue.dice({ includeBackground: false }), /includeBackground: false needs numClasses/],
    ['excluding background in binary mode', () => catalogue.dice({ mode: 'binary', includeBackground: false }), /binary mode has no background/],
    ['sparse multilabel', () => catalogue.dice({ mode: 'multilabel', sparse: true }), /multilabel mode needs a dense/],
    ['non-integer numClasses', () => catalogue.sparseCategoricalCrossEntropy({ numClasses: 2.5 }), /numClasses = 2.5 is invalid; expected an integer >= 1/],
  ];
  it.each(bad)('%s is a clear error', (_, f, message) => {
    expect(f).toThrow(OptionError);
    expect(f).toThrow(message);
  });
});

describe('validateInputs', () => {
  const inputs = inputsOf(d);
  it('accepts valid data', () => {
    expect(() => validateInputs(catalogue.sparseCategoricalCrossEntropy({ numClasses: 3 }), inputs)).not.toThrow();
    expect(() => validateInputs(catalogue.dice(), inputs)).not.toThrow();
  });
  it('rejects NaN and Inf predictions (and so does the evaluator)', () => {
    const loss = catalogue.dice();
    const data = Float64Array.from(d.pred);
    data[5] = Number.NaN;
    const bad = { ...inputs, pred: { shape: [2, 3, 4], data } };
    expect(() => validateInputs(loss, bad)).toThrow(/input 'pred' has NaN at flat index 5; expected a finite real/);
    expect(() => evaluateScalar(loss.expr, { inputs: bad })).toThrow(InputError);
    data[5] = Number.POSITIVE_INFINITY;
    expect(() => validateInputs(loss, bad)).toThrow(/has Infinity at flat index 5/);
  });
  it('rejects probabilities outside [0, 1] when not from logits', () => {
    const loss = catalogue.categoricalCrossEntropy({ fromLogits: false });
    expect(() => validateInputs(loss, inputs)).toThrow(/'pred' has .* expected a probability in \[0, 1\] \(pass fromLogits: true for logits\)/);
  });
  it('rejects labels outside the class range and non-integer labels, but allows the ignore index', () => {
    const loss = catalogue.sparseCategoricalCrossEntropy({ numClasses: 3, ignoreIndex: 255 });
    const labels = Float64Array.from(d.labels);
    labels[2] = 255;
    expect(() => validateInputs(loss, { ...inputs, labels: { shape: [2, 4], data: labels } })).not.toThrow();
    labels[3] = 3;
    expect(() => validateInputs(loss, { ...inputs, labels: { shape: [2, 4], data: labels } })).toThrow(
      /label 3 at flat index 3; expected 0..2 or the ignore index 255/,
    );
    labels[3] = 1.5;
    expect(() => validateInputs(loss, { ...inputs, labels: { shape: [2, 4], data: labels } })).toThrow(/expected an integer class index/);
  });
  it('rejects a target that is not one-hot, a wrong class count, and missing inputs', () => {
    const target = Float64Array.from(d.target);
    target[0] = 1;
    target[4] = 1;
    const loss = catalogue.categoricalCrossEntropy();
    expect(() => validateInputs(loss, { ...inputs, target: { shape: [2, 3, 4], data: target } })).toThrow(/not one-hot at batch 0, spatial 0/);
    expect(() => validateInputs(catalogue.dice({ numClasses: 4, includeBackground: false }), inputs)).toThrow(
      /input 'pred' has 3 classes .* built for 4/,
    );
    expect(() => validateInputs(loss, { pred: inputs.pred! })).toThrow(/missing input 'target'/);
  });
});

describe('documented finite results', () => {
  const allIgnored = { ...inputsOf(d), labels: { shape: [2, 4], data: new Float64Array(8).fill(255) } };
  it('every pixel ignored: cross-entropy and focal are 0 with zero gradient, Dice is 0 (empty policy)', () => {
    for (const loss of [
      catalogue.sparseCategoricalCrossEntropy({ numClasses: 3, ignoreIndex: 255 }),
      catalogue.focal({ sparse: true, numClasses: 3, ignoreIndex: 255 }),
      catalogue.dice({ sparse: true, numClasses: 3, ignoreIndex: 255 }),
    ]) {
      expect(evaluateScalar(loss.expr, { inputs: allIgnored }), loss.name).toBe(0);
      const g = evaluate(gradient(loss.expr, pred), { inputs: allIgnored }).value.data;
      expect(g.every((x) => x === 0), loss.name).toBe(true);
    }
  });
  it('empty target and empty prediction give Dice, Jaccard and Tversky loss 0; an empty target with a full prediction gives ~1', () => {
    const zeros = { shape: [2, 1, 4], data: new Float64Array(8) };
    const emptyPrediction = { pred: { shape: [2, 1, 4], data: new Float64Array(8).fill(-100) }, target: zeros };
    const fullPrediction = { pred: { shape: [2, 1, 4], data: new Float64Array(8).fill(100) }, target: zeros };
    for (const build of [catalogue.dice, catalogue.jaccard, catalogue.tversky, catalogue.logCoshDice, catalogue.generalizedDice]) {
      const loss = build({ mode: 'binary' });
      expect(evaluateScalar(loss.expr, { inputs: emptyPrediction }), loss.name).toBeCloseTo(0, 12);
      const g = evaluate(gradient(loss.expr, pred), { inputs: emptyPrediction }).value.data;
      expect(g.every(Number.isFinite), loss.name).toBe(true);
    }
    for (const build of [catalogue.dice, catalogue.jaccard, catalogue.tversky])
      expect(evaluateScalar(build({ mode: 'binary' }).expr, { inputs: fullPrediction })).toBeCloseTo(1, 5);
  });
  it('with smooth = 0 an all-empty class scores loss 1 (the eps floor keeps it finite)', () => {
    const zeros = { shape: [1, 1, 2], data: new Float64Array(2) };
    const inputs = { pred: { shape: [1, 1, 2], data: Float64Array.of(-100, -100) }, target: zeros };
    expect(evaluateScalar(catalogue.dice({ mode: 'binary', smooth: 0 }).expr, { inputs })).toBeCloseTo(1, 12);
  });
  it('focal is exact at |logit| = 100 (no cancellation in 1 - p_t)', () => {
    const loss = catalogue.focal({ mode: 'binary', gamma: 2 });
    const inputs = { pred: { shape: [1, 1, 2], data: Float64Array.of(-100, 100) }, target: { shape: [1, 1, 2], data: Float64Array.of(1, 0) } };
    // each element: ce = 100 (up to e^-100), 1 - p_t = 1
    expect(evaluateScalar(loss.expr, { inputs })).toBeCloseTo(100, 10);
    const g = evaluate(gradient(loss.expr, pred), { inputs }).value.data;
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
  });
});
