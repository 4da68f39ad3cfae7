import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  add,
  catalogue,
  cosineSchedule,
  ema,
  evaluate,
  evaluateScalar,
  exponentialTerm,
  gradient,
  input,
  makeLoss,
  paperCoefficients,
  paperTerms,
  relu,
  sub,
  weightedSum,
} from './index.js';
import { inputsOf, makeData } from './losses/reference.test-support.js';

/** The body of the first ts code block after `heading` in README.md, without its import lines. */
function readmeExample(heading: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  return block.replace(/^import[\s\S]*?from '@losskit\/core';\n/m, '').trim();
}

/** This file's text between the README markers, dedented. */
function testedExample(): string {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const start = source.indexOf('// README:begin\n') + '// README:begin\n'.length;
  const body = source.slice(start, source.indexOf('// README:end', start));
  return body.replace(/^ {4}/gm, '').trim();
}

describe('README: Losses', () => {
  it('the example in the README is the code run here', () => {
    expect(testedExample()).toBe(readmeExample('## Losses'));
  });

  it('composes catalogue losses and a custom hybrid, with exact gradients', () => {
    // README:begin
    // Cross-entropy annealed into Dice over 20 epochs (cosine), labels with 255 = ignore.
    const ce = catalogue.sparseCategoricalCrossEntropy({ numClasses: 3, ignoreIndex: 255 });
    const dice = catalogue.dice({ sparse: true, numClasses: 3, ignoreIndex: 255 });
    const annealed = weightedSum('ceToDice', [
      { loss: ce, weight: cosineSchedule({ from: 1, to: 0, end: 20 }) },
      { loss: dice, weight: cosineSchedule({ from: 0, to: 1, end: 20 }) },
    ]);

    // A custom hybrid: CE + the paper's A*L1*e^(B*L2) + ReLU of a moving average of L1 - L2.
    // L1, L2 as batch means; the paper experiments default to the per-pixel reading (docs/paper.md §1a)
    const { crossEntropy, L1, L2, inputs } = paperTerms(undefined, { reading: 'batch' }); // pred = logits, target = one-hot
    const { A, B } = paperCoefficients(); // params 'A' = 0.25, 'B' = 0.5
    const hybrid = makeLoss(
      'myHybrid',
      add(crossEntropy, exponentialTerm(L1, L2, A, B), relu(ema(sub(L1, L2), 0.9, 'gap'))),
      inputs,
    );
    const dHybrid = gradient(hybrid.expr, input('pred')); // exact, simplified, same shape as pred
    // README:end

    const d = makeData(2, 3, 4, 17);
    const data = inputsOf(d);
    expect(annealed.params).toEqual({ epoch: 0 });
    expect(evaluateScalar(annealed.expr, { inputs: data })).toBeCloseTo(evaluateScalar(ce.expr, { inputs: data }), 10);
    expect(evaluateScalar(annealed.expr, { inputs: data, params: { epoch: 20 } })).toBeCloseTo(
      evaluateScalar(dice.expr, { inputs: data }),
      10, // the cosine is a polynomial accurate to 1e-11
    );
    expect(hybrid.params).toEqual({ A: 0.25, B: 0.5 });
    expect(hybrid.expr.roles).toEqual([]); // a scalar loss
    expect(Object.keys(hybrid.inputs).sort()).toEqual(['pred', 'target']);
    const step = evaluate([hybrid.expr, dHybrid], { inputs: data });
    expect(Object.keys(step.nextState).sort()).toEqual(['gap.mean', 'gap.steps']);
    expect(step.values[1]!.data.length).toBe(2 * 3 * 4);
    expect(step.values[1]!.data.every(Number.isFinite)).toBe(true);
  });
});
