import { describe, expect, it } from 'vitest';
import { fixedCaseSuite } from './fixed-cases.js';
import { numericEdgeCases } from './numeric-edge-cases.js';
import { peerVectors } from './peer-vectors.js';
import { checkCase, conformanceCases, conformanceSuite } from './conformance.js';
import { referenceBackend } from './reference-backend.js';
import type { BackendUnderTest } from './types.js';

// A correct backend passes every case...
conformanceSuite(referenceBackend);

// ...and a gap listed for a case that fails is accepted (this wrong backend negates d/dx of exp).
const brokenExp: BackendUnderTest = {
  name: 'reference with a broken exp gradient',
  async run(expr, env, wrt) {
    const run = await referenceBackend.run(expr, env, wrt);
    if (expr.op === 'exp' && run.gradients.x) run.gradients.x = run.gradients.x.map((g) => -g);
    return run;
  },
  gaps: { 'op/exp': 'deliberately wrong gradient, to test the gap mechanism' },
};
conformanceSuite(brokenExp);

const find = (name: string) => {
  const c = conformanceCases().find((k) => k.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

describe('checkCase catches', () => {
  it('a wrong gradient', async () => {
    const failures = await checkCase({ ...brokenExp, gaps: {} }, find('op/exp'));
    expect(failures.join('\n')).toMatch(/d\/dx/);
  });

  it('a wrong value', async () => {
    const offByOne: BackendUnderTest = {
      name: 'value + 1e-2',
      run: async (expr, env, wrt) => {
        const run = await referenceBackend.run(expr, env, wrt);
        return { ...run, value: run.value.map((v) => v + 1e-2) };
      },
    };
    expect((await checkCase(offByOne, find('op/log'))).join('\n')).toMatch(/value/);
  });

  it('state that is not carried between steps', async () => {
    const dropsState: BackendUnderTest = {
      name: 'ignores incoming state',
      run: (expr, env, wrt) => referenceBackend.run(expr, { inputs: env.inputs, params: env.params }, wrt),
    };
    expect((await checkCase(dropsState, find('op/ema-scalar'))).join('\n')).toMatch(/step 1/);
  });

  it('a backend that throws', async () => {
    const throwing: BackendUnderTest = {
      name: 'throws',
      run: async () => {
        throw new Error('no lowering for op sqrt');
      },
    };
    expect(await checkCase(throwing, find('op/sqrt'))).toEqual([expect.stringMatching(/no lowering for op sqrt/)]);
  });
});

fixedCaseSuite(referenceBackend, 'numeric edge cases', numericEdgeCases());
fixedCaseSuite(referenceBackend, 'peer test vectors', peerVectors());
