import { type Node, broadcastLike, div, evaluate, input, mean, mul, neg, param, topoSort } from '@losskit/core';
import { makeInputs } from '@losskit/test-utils';
import { describe, expect, it } from 'vitest';
import { gatherScalarFactors } from './scalar-factors.js';

const x = input('x');
const s = param('s', { default: 0.7 });
const t = mean(x); // a scalar computed from data
/** Nodes that make a pass over a whole tensor (not scalar, not a lazy broadcast). */
const tensorPasses = (n: Node) => topoSort([n]).filter((m) => m.roles.length > 0 && !['input', 'broadcastLike'].includes(m.op)).length;

describe('gatherScalarFactors', () => {
  const cases: Record<string, Node> = {
    's*(t*X)': mul(s, mul(t, x)),
    '-(t*X)': neg(mul(t, x)),
    '(t*X)/s': div(mul(t, x), s),
    'bcast(s)*(2*X)': mul(broadcastLike(s, x), mul(2, x)),
    'nested': neg(div(mul(s, mul(t, mul(3, x))), t)),
  };
  const data = makeInputs({ inputs: { x: { roles: x.roles, domain: 'real' } } }, { batch: 2, class: 3, spatial: [2, 2] }, 1);
  for (const [name, expr] of Object.entries(cases))
    it(`${name}: same value, fewer passes over the tensor`, () => {
      const [gathered] = gatherScalarFactors([expr]);
      const before = evaluate(expr, { inputs: data }).value.data;
      const after = evaluate(gathered!, { inputs: data }).value.data;
      after.forEach((v, i) => {
        expect(v).toBeCloseTo(before[i]!, 12);
      });
      expect(tensorPasses(gathered!)).toBeLessThan(tensorPasses(expr));
      expect(tensorPasses(gathered!)).toBe(1);
    });
});
