import { type Node, type Op, add, evaluate, gradient, input, mean, seededRandom } from '@losskit/core';
import { type BackendRun, referenceBackend } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
// the core's random-graph arbitrary (test-only, not exported from @losskit/core)
import { ARBITRARY_CLASSES, ARBITRARY_OPS, expressionArbitrary } from '../../core/src/testing/arbitrary.js';
import type { Layout } from '../src/index.js';
import { tfjsBackend } from './tfjs-backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const N = 2;
const C = ARBITRARY_CLASSES;
const SPATIAL = [2, 3];

/** Inputs for every leaf the arbitrary uses, float32-exact, in the core's layout. */
function environment(seed: number) {
  const random = seededRandom(seed);
  const data = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * random()));
  const dense = N * C * SPATIAL[0]! * SPATIAL[1]!;
  return {
    inputs: {
      pred: { shape: [N, C, ...SPATIAL], data: data(dense, -2, 2) },
      target: { shape: [N, C, ...SPATIAL], data: data(dense, -2, 2) },
      weights: { shape: [C], data: data(C, 0.5, 2) },
    },
    params: { A: 0.3, B: 0.25 },
    state: { count: data(1, 0.5, 1.5), 'ema.mean': data(C, -1, 1) },
  };
}

/** The float64 value and d/dpred, every op in float64 (no float32 rounding anywhere). */
function float64(expr: Node, env: ReturnType<typeof environment>): BackendRun {
  const pred = input('pred');
  const state = { count: env.state.count[0]!, 'ema.mean': { shape: [C], data: env.state['ema.mean'] } };
  const { values } = evaluate([expr, ...gradient(expr, [pred])], { inputs: env.inputs, params: env.params, state, allowNonFinite: true });
  return { value: values[0]!.data, gradients: { pred: values[1]!.data }, nextState: {} };
}

/**
 * Where the float32-rounded reference is finite and so is the one-kernel-per-op result, the fused
 * result must be no more than a few times further from that reference, or agree with the all-float64
 * evaluation (fused kernels keep intermediates in float64: at a domain edge, e.g. sqrt of a
 * difference that rounds to 0 in float32, they follow float64).
 */
function accuracyGaps(reference: BackendRun, exact: BackendRun, fused: BackendRun, unfused: BackendRun): string[] {
  const gaps: string[] = [];
  const near = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b));
  const check = (name: string, r: Float64Array, x: Float64Array, f: Float64Array, u: Float64Array) =>
    r.forEach((ref, i) => {
      const base = u[i]!;
      if (!Number.isFinite(ref) || !Number.isFinite(base)) return;
      const got = f[i]!;
      if (Math.abs(got - ref) <= 8 * Math.abs(base - ref) + 1e-4 * (1 + Math.abs(ref)) || near(got, x[i]!)) return;
      gaps.push(`${name}[${i}]: fused ${got}, one kernel per op ${base}, reference ${ref} (float64 ${x[i]})`);
    });
  check('value', reference.value, exact.value, fused.value, unfused.value);
  for (const name of Object.keys(reference.gradients))
    check(`d/d${name}`, reference.gradients[name]!, exact.gradients[name]!, fused.gradients[name]!, unfused.gradients[name]!);
  return gaps;
}

describe.each<Layout>(['NHWC', 'NCHW'])('fused kernels, %s, random graphs', (layout) => {
  const fused = tfjsBackend(`fused ${layout}`, { layout, gradient: 'symbolic', path: 'valueAndGrad' });
  const unfused = tfjsBackend(`unfused ${layout}`, { layout, gradient: 'symbolic', path: 'valueAndGrad', fuse: false });

  it('are as accurate as one kernel per op against the float64 reference (value and d/dpred)', async () => {
    // Only ops continuous on all of their inputs: where float32 and float64 rounding differ (fused
    // kernels keep intermediates in float64) a comparison, sign or where may flip and sqrt, log,
    // log1p or pow of a difference that rounds to 0 may leave its domain; discontinuities, not
    // errors. The conformance suite covers those ops on chosen data. ema is lowered to arithmetic
    // before fusion. Plus mean(pred), so every role has its size and d/dpred exists.
    const excluded: readonly Op[] = ['ema', 'sign', 'gt', 'ge', 'lt', 'le', 'eq', 'where', 'sqrt', 'log', 'log1p', 'pow'];
    const ops = ARBITRARY_OPS.filter((op) => !excluded.includes(op));
    const graphs = expressionArbitrary({ maxDepth: 5, ops }).map((e) => add(e, mean(input('pred'))));
    await fc.assert(
      fc.asyncProperty(graphs, fc.integer({ min: 1, max: 1 << 20 }), async (expr: Node, seed: number) => {
        const env = environment(seed);
        const wrt = ['pred'];
        const [r, f, u] = await Promise.all([referenceBackend, fused, unfused].map((b) => b.run(expr, env, wrt)));
        expect(accuracyGaps(r!, float64(expr, env), f!, u!)).toEqual([]);
      }),
      { numRuns: 150, seed: 20261127 },
    );
    // 150 graphs compiled and run three ways: about 4 s on an idle 2-core machine, over vitest's
    // default 5 s when other jobs share the cores (seen at load average 15); a guard against a
    // hang, not a speed check
  }, 60_000);
});
