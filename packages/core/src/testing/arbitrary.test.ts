import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topoSort } from '../ir/node.js';
import { LEAF_OPS } from '../ir/ops.js';
import { ARBITRARY_OPS, expressionArbitrary } from './arbitrary.js';

describe('expressionArbitrary', () => {
  it('produces every op and every leaf kind, within the depth limit', () => {
    const seen = new Set<string>();
    let deepest = 0;
    const depth = (n: { args: readonly unknown[] }): number =>
      1 + Math.max(0, ...(n.args as (typeof n)[]).map(depth));
    for (const e of fc.sample(expressionArbitrary({ maxDepth: 4 }), { numRuns: 400, seed: 1 })) {
      for (const n of topoSort([e])) seen.add(n.op);
      deepest = Math.max(deepest, depth(e));
    }
    expect([...ARBITRARY_OPS, ...LEAF_OPS].filter((op) => !seen.has(op))).toEqual([]);
    // widening a reduction or softmax operand adds one level per step
    expect(deepest).toBeLessThanOrEqual(4 * 2);
  });

  it('leaves out the ops it is told to', () => {
    const ops = new Set<string>();
    for (const e of fc.sample(expressionArbitrary({ ops: ['add', 'exp'], stateAndSize: false, vectors: false }), 100))
      for (const n of topoSort([e])) ops.add(n.op);
    expect([...ops].sort()).toEqual(['add', 'const', 'exp', 'input', 'param'].filter((op) => ops.has(op)));
    expect(ops.has('add') && ops.has('exp')).toBe(true);
  });
});
