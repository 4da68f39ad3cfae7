import { type Loss, catalogueCases, evaluate, gradient, leaves, paperExperiments } from '@losskit/core';
import { CONFORMANCE_SIZES, compareArrays, makeInputs } from '@losskit/test-utils';
import { describe, expect, it } from 'vitest';
import { createLossSession } from './session.js';
import { toOnnx } from './to-onnx.js';

/**
 * The shared conformance suite compiles bare expressions; these run whole catalogue Losses, whose
 * declared input domains ('onehot' targets, 'labels') let the compiler use sum_c onehot = 1.
 */
const losses: { name: string; loss: Loss }[] = [
  ...catalogueCases(CONFORMANCE_SIZES.class),
  ...paperExperiments.map((e) => ({ name: `paper/${e.id}`, loss: e.build({ numClasses: CONFORMANCE_SIZES.class }) })),
];

describe('declared input domains', () => {
  it('never add a class reduction and add at most two per-pixel nodes', () => {
    const classReductions = (text: string) => text.split('\n').filter((l) => /Reduce\w+\(.*, c_int64_1\)/.test(l)).length;
    for (const { name, loss } of losses) {
      const gradients = 'pred' in loss.inputs ? ['pred'] : [];
      const withDomains = toOnnx(loss, { gradients });
      const without = toOnnx(loss, { gradients, assumeInputDomains: false });
      expect(classReductions(withDomains.text), name).toBeLessThanOrEqual(classReductions(without.text));
      expect(withDomains.nodeCount, name).toBeLessThanOrEqual(without.nodeCount + 2);
    }
  });

  it('drop the class sums of one-hot targets from cross-entropy gradients', () => {
    const loss = paperExperiments.find((e) => e.id === 1)!.build({ numClasses: 3 });
    const reductions = (text: string) => text.split('\n').filter((l) => l.includes('ReduceSum')).length;
    expect(reductions(toOnnx(loss, { gradients: ['pred'] }).text)).toBeLessThan(
      reductions(toOnnx(loss, { gradients: ['pred'], assumeInputDomains: false }).text),
    );
  });

  for (const { name, loss } of losses)
    it(`${name}: value and gradient match the reference on valid data`, async () => {
      const pred = leaves([loss.expr], 'input').get('pred');
      const inputs = makeInputs(loss, CONFORMANCE_SIZES, 11);
      const reference = evaluate(pred ? [loss.expr, gradient(loss.expr, pred)] : [loss.expr], { inputs, params: loss.params });
      const session = await createLossSession(loss, { intraOpThreads: 1 });
      const out = await session.run({ inputs });
      await session.release();
      const tol = { rtol: 2e-3, atol: 2e-5 };
      expect(compareArrays('value', out.valueData, reference.value.data, tol)).toBeUndefined();
      if (pred) expect(compareArrays('d/dpred', out.gradients.pred!, reference.values[1]!.data, tol)).toBeUndefined();
    });
});
