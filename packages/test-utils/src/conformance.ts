import {
  type Node,
  type Tensor,
  catalogueCases,
  evaluate,
  gradient,
  leaves,
  lowerState,
  paperExperiments,
  topoSort,
} from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { makeInputs } from './make-inputs.js';
import { type OpCase, opCases } from './op-cases.js';
import { FLOAT32_TOLERANCE, compareArrays } from './tolerance.js';
import type { BackendUnderTest, CaseSizes, InputData, InputDomain, LossLike } from './types.js';

/** Sizes of every conformance case: N=2, C=3 (the per-class rows need 3), 4x4 spatial. */
export const CONFORMANCE_SIZES: CaseSizes = { batch: 2, class: 3, spatial: [4, 4] };
/** Steps run for a case with state: the state each step returns is fed to the next. */
export const STATEFUL_STEPS = 3;
/** Domains the suite differentiates against (labels, masks and one-hot targets are data, not variables). */
export const DIFFERENTIABLE_DOMAINS: ReadonlySet<InputDomain> = new Set(['logits', 'probability', 'real', 'positive', 'weight']);

export interface ConformanceCase extends LossLike {
  readonly adjust?: OpCase['adjust'];
  readonly seed: number;
}

/** Every case of the suite, by unique name: op rows, catalogue losses, paper experiments x ema mode. */
export function conformanceCases(): ConformanceCase[] {
  const numClasses = CONFORMANCE_SIZES.class;
  const cases: LossLike[] = [...opCases()];
  for (const { name, loss } of catalogueCases(numClasses)) cases.push({ ...loss, name: `catalogue/${name}` });
  for (const experiment of paperExperiments)
    for (const mode of ['literal', 'stateful'] as const)
      cases.push({ ...experiment.build({ ema: mode }), name: `paper/${experiment.id}/${mode}` }); // one-hot 'target', as printed
  return cases.map((c, i) => ({ ...c, seed: 1000 + 17 * i }));
}

/**
 * Gradients of the expression with its ema terms lowered to state leaves (the state read is a
 * constant, so this is the ema rule d ema/dx = (1-d)/(1-d^t')). Evaluated next to the expression,
 * they read the same state. Differentiating `expr` itself would be equivalent, but a simplified copy
 * of an ema argument inside the gradient makes `lowerState` see two terms on one slot.
 */
export function referenceGradients(expr: Node, wrt: readonly Node[]): Node[] {
  if (wrt.length === 0) return [];
  const [lowered] = lowerState([expr]).roots;
  return gradient(lowered!, wrt);
}

const hasState = (expr: Node): boolean => topoSort([expr]).some((n) => n.op === 'ema' || n.op === 'state');

function casedInputs(c: ConformanceCase, step: number): Record<string, InputData> {
  const inputs = makeInputs(c, CONFORMANCE_SIZES, c.seed + step);
  c.adjust?.(inputs);
  return inputs;
}

/**
 * Runs one case on the backend (several steps when it carries state) and compares value,
 * gradients and next state with the core's float64 reference. Returns what disagreed; empty = pass.
 */
export async function checkCase(backend: BackendUnderTest, c: ConformanceCase): Promise<string[]> {
  const tol = backend.tolerance ?? FLOAT32_TOLERANCE;
  const inputNodes = leaves([c.expr], 'input');
  const wrt = Object.keys(c.inputs)
    .filter((name) => DIFFERENTIABLE_DOMAINS.has(c.inputs[name]!.domain) && inputNodes.has(name))
    .sort();
  const gradients = referenceGradients(c.expr, wrt.map((name) => inputNodes.get(name)!));
  const steps = hasState(c.expr) ? STATEFUL_STEPS : 1;
  let referenceState: Record<string, Tensor> | undefined;
  let backendState: Record<string, Float64Array> | undefined;
  const failures: string[] = [];
  for (let step = 0; step < steps; step++) {
    const inputs = casedInputs(c, step);
    const reference = evaluate([c.expr, ...gradients], {
      inputs,
      params: c.params,
      ...(referenceState ? { state: referenceState } : {}),
    });
    let run: Awaited<ReturnType<BackendUnderTest['run']>>;
    try {
      run = await backend.run(c.expr, { inputs, params: { ...c.params }, ...(backendState ? { state: backendState } : {}) }, wrt);
    } catch (error) {
      failures.push(`step ${step}: ${backend.name} threw: ${error instanceof Error ? error.message : String(error)}`);
      return failures;
    }
    const at = steps > 1 ? `step ${step} ` : '';
    const check = (what: string, got: ArrayLike<number> | undefined, want: Tensor) => {
      const problem =
        got === undefined ? `${what}: missing from the backend's result` : compareArrays(what, got, want.data, tol);
      if (problem) failures.push(at + problem);
    };
    check('value', run.value, reference.value);
    wrt.forEach((name, i) => {
      check(`d/d${name}`, run.gradients[name], reference.values[i + 1]!);
    });
    for (const slot of Object.keys(reference.nextState).sort())
      check(`next state '${slot}'`, run.nextState[slot], reference.nextState[slot]!);
    const extra = Object.keys(run.nextState).filter((slot) => !(slot in reference.nextState));
    if (extra.length > 0) failures.push(`${at}unexpected state slots: ${extra.join(', ')}`);
    if (failures.length > 0) return failures;
    referenceState = reference.nextState;
    backendState = run.nextState;
  }
  return failures;
}

/**
 * Registers the conformance tests for a backend: one test per case (value + gradients + state
 * against the float64 reference). A case listed in `backend.gaps` gets a test asserting it really
 * fails (so a fixed gap must be removed from the list), and the gaps must name existing cases.
 */
export function conformanceSuite(backend: BackendUnderTest): void {
  const cases = conformanceCases();
  const gaps = backend.gaps ?? {};
  describe(`conformance: ${backend.name}`, () => {
    it('lists gaps only for cases that exist, each with a reason', () => {
      const names = new Set(cases.map((c) => c.name));
      for (const [name, reason] of Object.entries(gaps)) {
        expect(names.has(name), `gap '${name}' names no conformance case`).toBe(true);
        expect(reason.trim().length, `gap '${name}' has no reason`).toBeGreaterThan(0);
      }
    });
    for (const c of cases) {
      const reason = gaps[c.name];
      if (reason === undefined) {
        it(c.name, async () => {
          expect(await checkCase(backend, c)).toEqual([]);
        });
      } else {
        it(`${c.name} is a known gap (${reason})`, async () => {
          const failures = await checkCase(backend, c);
          expect(failures.length, `'${c.name}' is listed as a gap but passes: remove it from gaps`).toBeGreaterThan(0);
        });
      }
    }
  });
}
