import {
  type Node,
  add,
  broadcastLike,
  div,
  evaluate,
  exp,
  logSoftmax,
  mean,
  mul,
  neg,
  nodeCount,
  softmax,
  sub,
  sum,
} from '@losskit/core';
import { compareArrays } from '@losskit/test-utils';
import { describe, expect, it } from 'vitest';
import { env, s, t, w, x, y } from './rewrite-cases.test-support.js';
import { prepareForLowering } from './rewrites.js';


/** Each rewrite keeps the value (float64 reference) and the roles, and does what its comment says. */
const CASES: [string, Node, (out: Node) => boolean][] = [
  ['sum(-x) -> -sum(x)', sum(neg(x), ['class']), (o) => o.op === 'neg'],
  ['mean(s x) -> s mean(x)', mean(mul(s, x)), (o) => o.op === 'mul' && o.args.some((a) => a.op === 'mean')],
  ['mean(sum(x, class), rest) -> sum(x) / size', mean(sum(x, ['class'])), (o) => o.op === 'div'],
  ['sum(sum(x, class), rest) -> sum(x)', sum(sum(x, ['class'])), (o) => o.op === 'sum' && o.args[0] === x],
  ['s (k x) -> (s k) x', mul(s, mul(t, x)), (o) => o.op === 'mul' && o.args[0]!.roles.length === 0 && o.args[1] === x],
  ['broadcast s (k x) keeps its roles', mul(broadcastLike(s, x), mul(t, w)), (o) => o.op === 'broadcastLike'],
  ['s (x / t) -> (s / t) x', mul(s, div(x, t)), (o) => o.op === 'mul' && o.args[1] === x],
  ['a x + a y -> a (x + y)', add(mul(x, w), mul(x, y)), (o) => o.op === 'mul'],
  ['a x + (b - a y) -> a (x - y) + b', add(mul(x, w), sub(y, mul(x, y))), (o) => o.op === 'add' && o.args[0]!.op === 'mul'],
  ['(x - a) - b -> x - (a + b) for small a, b', sub(sub(x, w), sum(y, ['class'])), (o) => o.args[1]!.op === 'add'],
  ['exp(logSoftmax x) -> softmax x', exp(logSoftmax(x)), (o) => o.op === 'softmax'],
];

describe('prepareForLowering', () => {
  for (const [name, expr, shaped] of CASES)
    it(name, () => {
      const [out] = prepareForLowering([expr]) as [Node];
      expect(out.roles).toEqual(expr.roles);
      expect(shaped(out), `rewritten to ${out.op}`).toBe(true);
      expect(nodeCount(out)).toBeLessThanOrEqual(nodeCount(expr) + 1);
      const before = evaluate(expr, env).value.data;
      const after = evaluate(out, env).value.data;
      expect(compareArrays(name, after, before, { rtol: 1e-12, atol: 1e-12 })).toBeUndefined();
    });

  it('keeps shared subexpressions shared across roots', () => {
    const p = softmax(x);
    const roots = prepareForLowering([mean(neg(sum(mul(y, logSoftmax(x)), ['class']))), mul(exp(logSoftmax(x)), y), mul(p, 2)]);
    const softmaxes = new Set<Node>();
    const visit = (n: Node) => {
      if (n.op === 'softmax') softmaxes.add(n);
      n.args.forEach(visit);
    };
    roots.forEach(visit);
    expect(softmaxes.size).toBe(1);
  });
});
