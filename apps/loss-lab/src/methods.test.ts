import { evaluate, input, paperExperiments } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { evaluateColumns } from './core-eval.js';
import { LOSS_METHODS, METHOD_PARAMS, crossEntropyUnderMethod } from './methods.js';

/** The paper experiment behind each method (Table 1, convex coefficients), as in the group lasso. */
const EXPERIMENT: Record<string, number> = { none: 1, 'l1-l2': 2, exponential: 4, 'exponential-l1-l2': 6, ema: 8, 'ema-nonlinear': 18 };

describe('a method applied to the cross-entropy (Fig. 5)', () => {
  it("is the core's paper experiment on the two-class pixel softmax([0, eta]) with true class 1", () => {
    const etas = Float64Array.from([-2.5, -1, -0.2, 0, 0.4, 1.05, 3]);
    const eta = input('eta', ['batch']);
    for (const m of LOSS_METHODS) {
      const ours = evaluateColumns(crossEntropyUnderMethod(m, eta), { eta: etas }, METHOD_PARAMS);
      const loss = paperExperiments[EXPERIMENT[m.key]! - 1]!.build();
      etas.forEach((e, i) => {
        // one pixel: pred [batch 1, class 2, spatial 1] = [0, eta], target one-hot (0, 1)
        const { value } = evaluate(loss.expr, {
          inputs: { pred: { shape: [1, 2, 1], data: Float64Array.from([0, e]) }, target: { shape: [1, 2, 1], data: Float64Array.from([0, 1]) } },
          params: loss.params,
        });
        expect(ours[i], `${m.key} at eta = ${e}`).toBeCloseTo(value.data[0]!, 12);
      });
    }
  });
});
