import { type Node, input, mean } from '@losskit/core';
import { type BackendUnderTest, deepGraphInputs, referenceBackend, worstRunError } from '@losskit/test-utils';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// the core's deep and wide graphs (test-only, not exported from @losskit/core)
import { chainArbitrary, deepChain, wideSum } from '../../core/src/testing/deep-graphs.js';
import { createLossSession } from './session.js';
import { toOnnx } from './to-onnx.js';

// Lowering walks the graph through the core's postOrder (it recursed, and overflowed the stack
// from a depth of ~3000), and the graph builder names n values alike in O(n) (it was O(n^2)).
// A generous timeout is a sanity bound, not a benchmark.
const LONG = 120_000;

const x = input('x');

const onnxRuntimeCpu: BackendUnderTest = {
  name: 'onnx (onnxruntime-node, CPU, float32)',
  async run(expr, env, wrt) {
    const session = await createLossSession(expr, { gradients: wrt, intraOpThreads: 1 });
    try {
      const out = await session.run({ inputs: env.inputs, params: env.params });
      const gradients = Object.fromEntries(Object.entries(out.gradients).map(([k, v]) => [k, Float64Array.from(v)]));
      return { value: Float64Array.from(out.valueData), gradients, nextState: {} };
    } finally {
      await session.release();
    }
  },
};

async function agreement(loss: Node, seed: number, wrt = ['x']): Promise<number> {
  const e = deepGraphInputs(seed);
  return worstRunError(await onnxRuntimeCpu.run(loss, e, wrt), await referenceBackend.run(loss, e, wrt));
}

describe('deep and wide graphs through toOnnx and onnxruntime-node', () => {
  it('emits a chain of 30000 ops (with its gradient) and a sum of 5000 distinct terms', { timeout: LONG }, () => {
    const deep = toOnnx(mean(deepChain(x, 30_000)), { gradients: ['x'], simplify: false });
    expect(deep.bytes.length).toBeGreaterThan(30_000);
    const wide = toOnnx(mean(wideSum(x, 5000)), { simplify: false });
    expect(wide.bytes.length).toBeGreaterThan(5000);
  });

  it('runs a chain of 4000 ops and a sum of 3000 terms (value) as the float64 reference does', { timeout: LONG }, async () => {
    expect(await agreement(mean(deepChain(x, 4000)), 1)).toBeLessThan(1e-4);
    // value only: the gradient of a wide sum is a sum that simplify still collects in quadratic time
    expect(await agreement(mean(wideSum(x, 3000)), 2, [])).toBeLessThan(1e-4);
  });

  it('runs random chains of 200-2000 ops as the reference does (fast-check)', { timeout: LONG }, async () => {
    await fc.assert(
      fc.asyncProperty(chainArbitrary(x, 200, 2000), fc.integer({ min: 1, max: 1000 }), async (chain, seed) => {
        expect(await agreement(mean(chain), seed)).toBeLessThan(1e-4);
      }),
      { numRuns: 5, seed: 20261202 },
    );
  });
});
