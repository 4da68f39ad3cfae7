import { describe, expect, it } from 'vitest';
import { input, param } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { finiteDifferenceGradient, maxRelativeError } from '../testing/finite-difference.js';
import { catalogue } from './catalogue.js';
import { weightedSum } from './compose.js';
import { inputsOf, makeData } from './reference.test-support.js';
import { cosineSchedule, linearSchedule, stepSchedule } from './schedules.js';

const at = (node: ReturnType<typeof param>, epoch: number) => evaluateScalar(node, { params: { epoch } });

describe('schedules', () => {
  it('linear: from before start, to after end, straight in between', () => {
    const w = linearSchedule({ from: 1, to: 0, start: 2, end: 6 });
    expect([0, 2, 3, 4, 6, 9].map((e) => at(w, e))).toEqual([1, 1, 0.75, 0.5, 0, 0]);
  });
  it('cosine: matches from + (to - from)(1 - cos(pi u))/2 to 1e-11', () => {
    const w = cosineSchedule({ from: 0.2, to: 1, end: 10 });
    for (let e = -1; e <= 11; e += 0.25) {
      const u = Math.min(Math.max(e / 10, 0), 1);
      expect(Math.abs(at(w, e) - (0.2 + 0.8 * (1 - Math.cos(Math.PI * u)) / 2))).toBeLessThan(1e-11);
    }
  });
  it('step: piecewise constant at the milestones', () => {
    const w = stepSchedule({ values: [1, 0.5, 0.1], milestones: [3, 7] });
    expect([0, 2.9, 3, 6, 7, 100].map((e) => at(w, e))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1].map((v) => expect.closeTo(v, 15)));
  });
  it('bad schedules are clear errors', () => {
    expect(() => linearSchedule({ from: 0, to: 1, start: 5, end: 5 })).toThrow(/end \(5\) must be after start \(5\)/);
    expect(() => stepSchedule({ values: [1], milestones: [3] })).toThrow(/1 milestones need 2 values/);
    expect(() => stepSchedule({ values: [1, 2, 3], milestones: [3, 2] })).toThrow(/increasing/);
  });
});

describe('weightedSum', () => {
  const d = makeData(2, 3, 4, 9);
  const inputs = inputsOf(d);
  const ce = catalogue.categoricalCrossEntropy();
  const dice = catalogue.dice();
  const anneal = weightedSum('ceToDice', [
    { loss: ce, weight: linearSchedule({ from: 1, to: 0, end: 10 }) },
    { loss: dice, weight: linearSchedule({ from: 0, to: 1, end: 10 }) },
  ]);
  it('anneals from cross-entropy to Dice along the epoch param', () => {
    const ceValue = evaluateScalar(ce.expr, { inputs });
    const diceValue = evaluateScalar(dice.expr, { inputs });
    expect(anneal.params).toEqual({ epoch: 0 });
    expect(Object.keys(anneal.inputs).sort()).toEqual(['pred', 'target']);
    expect(evaluateScalar(anneal.expr, { inputs })).toBeCloseTo(ceValue, 12);
    expect(evaluateScalar(anneal.expr, { inputs, params: { epoch: 5 } })).toBeCloseTo((ceValue + diceValue) / 2, 12);
    expect(evaluateScalar(anneal.expr, { inputs, params: { epoch: 10 } })).toBeCloseTo(diceValue, 12);
  });
  it('has exact gradients at any epoch', () => {
    const env = { inputs, params: { epoch: 3 } };
    const g = evaluate(gradient(anneal.expr, input('pred')), env).value.data;
    expect(maxRelativeError(g, finiteDifferenceGradient(anneal.expr, 'pred', env))).toBeLessThan(1e-6);
  });
  it('refuses terms that disagree about an input, unreduced terms, and conflicting param defaults', () => {
    expect(() => weightedSum('x', [{ loss: ce }, { loss: catalogue.categoricalCrossEntropy({ fromLogits: false }) }])).toThrow(
      /input 'pred' is logits .* but probability/,
    );
    expect(() => weightedSum('x', [{ loss: catalogue.dice({ reduction: 'none' }) }])).toThrow(/spans \[class\]; combine scalar losses/);
    expect(() =>
      weightedSum('x', [
        { loss: ce, weight: param('w', { default: 1 }) },
        { loss: dice, weight: param('w', { default: 2 }) },
      ]),
    ).toThrow(/param 'w' has two defaults/);
    expect(() => weightedSum('x', [])).toThrow(/at least one term/);
  });
});
