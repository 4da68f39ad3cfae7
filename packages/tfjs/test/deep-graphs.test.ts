import { type Node, input, mean } from '@losskit/core';
import { deepGraphInputs, referenceBackend, worstRunError } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
// the core's deep and wide graphs (test-only, not exported from @losskit/core)
import { chainArbitrary, deepChain, wideSum } from '../../core/src/testing/deep-graphs.js';
import { tfjsBackend } from './tfjs-backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

// Lowering (Program.run), the fusion planner (toFusedGraph, cluster) and the generated kernels
// walk graphs through the core's postOrder: depth costs memory, not call stack (a chain of ~8000
// ops overflowed it). A generous timeout is a sanity bound, not a benchmark.
const LONG = 120_000;

const x = input('x');
const fused = tfjsBackend('fused NHWC', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' });
const unfused = tfjsBackend('one kernel per op NCHW', { layout: 'NCHW', gradient: 'symbolic', path: 'valueAndGrad', fuse: false });
const autodiff = tfjsBackend('tfjs autodiff', { layout: 'NHWC', gradient: 'autodiff', path: 'customGrad', fuse: false });

async function agree(loss: Node, seed: number, backends = [fused, unfused], wrt = ['x']): Promise<number[]> {
  const e = deepGraphInputs(seed);
  const want = await referenceBackend.run(loss, e, wrt);
  return Promise.all(backends.map(async (b) => worstRunError(await b.run(loss, e, wrt), want)));
}

describe('deep and wide graphs on the cpu backend, against the float64 reference', () => {
  it('a chain of 10^4 ops: value and gradient, fused and one kernel per op', { timeout: LONG }, async () => {
    for (const w of await agree(mean(deepChain(x, 10_000)), 1)) expect(w).toBeLessThan(1e-4);
  });

  it('a sum of 10^4 distinct terms (value: its gradient is a sum simplify still collects in quadratic time)', { timeout: LONG }, async () => {
    // relative to 1 + |value|: the terms grow to ~10^4
    for (const w of await agree(mean(wideSum(x, 10_000)), 2, [fused, unfused], [])) expect(w).toBeLessThan(1e-4);
  });

  it('random chains of 200-1500 ops (fast-check), tfjs autodiff too', { timeout: LONG }, async () => {
    await fc.assert(
      fc.asyncProperty(chainArbitrary(x, 200, 1500), fc.integer({ min: 1, max: 1000 }), async (chain, seed) => {
        for (const w of await agree(mean(chain), seed, [fused, unfused, autodiff])) expect(w).toBeLessThan(1e-4);
      }),
      { numRuns: 5, seed: 20261202 },
    );
  });
});
