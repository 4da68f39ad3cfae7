import { InputError, catalogue, evaluateScalar, input, mean, mul, param, square, sub } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { LossInputError } from './index.js';
import { createLossSession } from './session.js';

const pred = input('pred');
const target = input('target');
const l2 = mean(square(sub(pred, target)));
const shape = [1, 2, 1, 2];

describe('ONNX sessions check values like core and tfjs', () => {
  it('refuse a -Inf logit (it gave a finite Dice of 0.71), NaN and +Inf with core InputError', async () => {
    const session = await createLossSession(catalogue.dice({ fromLogits: true }), { gradients: [] });
    const logits = [2, -1, Number.NEGATIVE_INFINITY, 2];
    const run = () => session.run({ prediction: { shape, data: logits }, target: { shape, data: [1, 0, 0, 1] } });
    await expect(run()).rejects.toThrow(InputError);
    await expect(run()).rejects.toThrow(
      "input 'pred' has a non-finite value (-Infinity) at flat index 2 of shape [1, 2, 1, 2]; losses need finite inputs (pass checkFinite: false to skip this check)",
    );
    // the reference refuses the same data with the same class and check
    expect(() => evaluateScalar(catalogue.dice({ fromLogits: true }).expr, { inputs: { pred: { shape, data: logits }, target: { shape, data: [1, 0, 0, 1] } } })).toThrow(InputError);
    await session.release();
  });

  it('check every tensor, param and state, also on a repeated feed; checkFinite: false lets NaN through', async () => {
    const session = await createLossSession(mul(param('A', { default: 1 }), l2), { gradients: ['pred'] });
    const good = { prediction: { shape, data: new Float32Array([1, 2, 3, 4]) }, target: { shape, data: new Float32Array(4) } };
    expect((await session.run(good)).value).toBeCloseTo(7.5, 5);
    const nanTarget = new Float32Array([0, Number.NaN, 0, 0]);
    await expect(session.run({ ...good, target: { shape, data: nanTarget } })).rejects.toThrow(/input 'target' has a non-finite value \(NaN\) at flat index 1/);
    await expect(session.run({ ...good, params: { A: Number.POSITIVE_INFINITY } })).rejects.toThrow(/param 'A' has a non-finite value \(Infinity\)/);
    await expect(session.run({ ...good, params: { A: '2' as never } })).rejects.toThrow(/param 'A' must be a number, got string/);
    await expect(session.run({ ...good, target: { shape, data: [0, null, 0, 0] as never } })).rejects.toThrow(/data\[1\] is null/);
    const lax = await createLossSession(l2, { gradients: [], checkFinite: false });
    expect((await lax.run({ ...good, target: { shape, data: nanTarget } })).value).toBeNaN();
    await Promise.all([session.release(), lax.release()]);
  });

  it('LossInputError is the deprecated alias of core InputError', async () => {
    expect(LossInputError).toBe(InputError);
    const session = await createLossSession(l2, { gradients: [] });
    const error = await session.run({ prediction: { shape, data: [1, 2, 3, 4] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toBeInstanceOf(LossInputError);
    await session.release();
  });

  for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])
    it(`binds inputs and params named '${name}', and reports them missing`, async () => {
      const prediction = { shape, data: [1, 1, 1, 1] };
      const withInput = await createLossSession(mean(square(sub(pred, input(name)))), { gradients: ['pred'] });
      const inputs = Object.fromEntries([[name, { shape, data: [0, 0, 0, 0] }]]);
      const run = await withInput.run({ prediction, inputs });
      expect(run.value).toBeCloseTo(1, 6);
      expect(Object.keys(run.gradients)).toEqual(['pred']);
      await expect(withInput.run({ prediction })).rejects.toThrow(`missing input '${name}'`);
      const withParam = await createLossSession(mul(param(name, { default: 2 }), mean(pred)), { gradients: [] });
      expect((await withParam.run({ prediction })).value).toBeCloseTo(2, 6);
      expect((await withParam.run({ prediction, params: Object.fromEntries([[name, 3]]) })).value).toBeCloseTo(3, 6);
      await Promise.all([withInput.release(), withParam.release()]);
    });
});
