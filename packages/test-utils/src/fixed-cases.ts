import { type Tensor, evaluate, leaves } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { DIFFERENTIABLE_DOMAINS, referenceGradients } from './conformance.js';
import { FLOAT32_TOLERANCE, type Tolerance, compareArrays } from './tolerance.js';
import type { BackendUnderTest, InputData, LossLike } from './types.js';

/**
 * A loss on given data: a published test vector of another library, or a numeric edge case. The
 * backend's value is held to `expected` (the other library's number, when there is one) and to the
 * core's float64 reference, and its gradients to the reference's.
 */
export interface FixedCase {
  readonly name: string;
  /** Where the expected numbers come from: a repository, file and line, or why the data is hard. */
  readonly source: string;
  readonly loss: LossLike;
  readonly data: Readonly<Record<string, InputData>>;
  /** The published value(s), in the layout of the loss's value; omitted where only the reference decides. */
  readonly expected?: readonly number[];
  /** Tolerance against `expected` (default: 1e-4 relative and absolute, the peers' own test tolerances). */
  readonly tolerance?: Tolerance;
  /** The value must be >= 0 (a loss that is non-negative in exact arithmetic). */
  readonly nonNegative?: boolean;
  /** Tolerance of the backend against the reference, where tighter than the backend's default. */
  readonly backendTolerance?: Tolerance;
}

const PEER_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-4 };

/** What disagreed when the backend ran the case; empty = pass. */
export async function checkFixedCase(backend: BackendUnderTest, c: FixedCase): Promise<string[]> {
  const tol = c.backendTolerance ?? backend.tolerance ?? FLOAT32_TOLERANCE;
  const { expr, params, inputs: specs } = c.loss;
  const nodes = leaves([expr], 'input');
  const wrt = Object.keys(specs)
    .filter((name) => DIFFERENTIABLE_DOMAINS.has(specs[name]!.domain) && nodes.has(name))
    .sort();
  const inputs = Object.fromEntries(Object.entries(c.data).map(([k, v]) => [k, { shape: [...v.shape], data: v.data }]));
  const reference = evaluate([expr, ...referenceGradients(expr, wrt.map((n) => nodes.get(n)!))], { inputs, params });
  const failures: string[] = [];
  const push = (problem: string | undefined) => {
    if (problem) failures.push(problem);
  };
  if (c.expected) push(compareArrays('reference vs published value', reference.value.data, c.expected, c.tolerance ?? PEER_TOLERANCE));
  let run: Awaited<ReturnType<BackendUnderTest['run']>>;
  try {
    run = await backend.run(expr, { inputs, params: { ...params } }, wrt);
  } catch (error) {
    return [...failures, `${backend.name} threw: ${error instanceof Error ? error.message : String(error)}`];
  }
  push(compareArrays('value', run.value, reference.value.data, tol));
  const gradientTolerance = backend.tolerance ?? FLOAT32_TOLERANCE;
  if (c.expected) push(compareArrays('value vs published value', run.value, c.expected, c.tolerance ?? PEER_TOLERANCE));
  if (c.nonNegative && [...run.value].some((v) => !(v >= 0))) failures.push(`value ${[...run.value]} is negative or NaN`);
  wrt.forEach((name, i) => {
    const got = run.gradients[name];
    const want: Tensor = reference.values[i + 1]!;
    push(got ? compareArrays(`d/d${name}`, got, want.data, gradientTolerance) : `d/d${name}: missing from the backend's result`);
  });
  return failures;
}

/** Registers one test per fixed case for a backend. */
export function fixedCaseSuite(backend: BackendUnderTest, title: string, cases: readonly FixedCase[]): void {
  describe(`${title}: ${backend.name}`, () => {
    for (const c of cases)
      it(`${c.name} (${c.source})`, async () => {
        expect(await checkFixedCase(backend, c)).toEqual([]);
      });
  });
}
