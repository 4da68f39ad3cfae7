import {
  type Node,
  add,
  broadcastLike,
  catalogueCases,
  constant,
  div,
  elu,
  evaluate,
  exp,
  gradient,
  gt,
  le,
  leaves,
  lowerState,
  lt,
  mean,
  mul,
  neg,
  paperExperiments,
  simplify,
  sub,
  where,
} from '@losskit/core';
import { compareArrays } from '@losskit/test-utils';
import { describe, expect, it } from 'vitest';
import { data, env, s, t, w, x, y } from './rewrite-cases.test-support.js';
import { LEAN_REWRITES, loweredCost, prepareLean } from './lean-rewrites.js';
import { prepareForLowering } from './rewrites.js';
import { toOnnx } from './to-onnx.js';

const u = mean(x); // a scalar that varies with the data

const applyLean = (n: Node): Node => prepareForLowering([n], undefined, LEAN_REWRITES)[0]!;

/** [name, expression, what the rewritten one looks like]; each keeps the value and roles and drops nodes. */
const CASES: [string, Node, (out: Node) => boolean][] = [
  ['-(-x) -> x', neg(neg(x)), (o) => o === x],
  ['-(a - b) -> b - a', neg(sub(x, y)), (o) => o.op === 'sub' && o.args[0] === y],
  ['a + (-b) -> a - b', add(x, neg(y)), (o) => o.op === 'sub' && o.args[1] === y],
  ['(-a) + b -> b - a', add(neg(w), x), (o) => o.op === 'sub' && o.args[0] === x && o.args[1] === w],
  ['a - (-b) -> a + b', sub(x, neg(y)), (o) => o.op === 'add'],
  ['a + (-s) b -> a - s b', add(x, mul(neg(s), y)), (o) => o.op === 'sub' && o.args[1]!.op === 'mul'],
  ['a + broadcast(-s) -> a - broadcast(s)', add(x, broadcastLike(neg(s), x)), (o) => o.op === 'sub'],
  ['where(u > 0, 1, elu(u) + 1) -> e^min(u, 0)', where(gt(u, 0), 1, add(elu(u, 1), 1)), (o) => o.op === 'exp' && o.args[0]!.op === 'min'],
  [
    'a - where(c, -1, -y) -> a + where(c, 1, y)',
    sub(s, where(gt(u, 0), -1, neg(add(u, 2)))),
    (o) => o.op === 'add' && o.args[1]!.op === 'where',
  ],
  [
    'where(u <= k, where(u < k, a, 0) e, 0) -> where(u < k, a e, 0)',
    where(le(u, 3), mul(where(lt(u, 3), s, 0), exp(u)), 0),
    (o) => o.op === 'where' && o.args[1]!.op === 'mul' && o.args[0]!.op === 'lt',
  ],
  ['constants fold', mul(x, div(constant(1), constant(4))), (o) => o.op === 'mul' && o.args.some((a) => a.op === 'const' && a.attrs.value === 0.25)],
  ['k2 (k1 x) -> (k1 k2) x', mul(mul(x, 3), 2), (o) => o.op === 'mul' && o.args.some((a) => a.attrs.value === 6)],
  ['k2 (k1 / x) -> (k1 k2) / x', mul(div(3, add(s, 2)), 2), (o) => o.op === 'div' && o.args[0]!.attrs.value === 6],
];

describe('LEAN_REWRITES', () => {
  for (const [name, expr, shaped] of CASES)
    it(name, () => {
      const out = applyLean(expr);
      expect(out.roles).toEqual(expr.roles);
      expect(shaped(out), `rewritten to ${out.op}`).toBe(true);
      expect(loweredCost([out])).toBeLessThan(loweredCost([expr]));
      const before = evaluate(expr, { ...env, params: { s: 0.7, t: -1.3 } }).value.data;
      const after = evaluate(out, { ...env, params: { s: 0.7, t: -1.3 } }).value.data;
      expect(compareArrays(name, after, before, { rtol: 1e-12, atol: 1e-12 })).toBeUndefined();
    });

  it('keeps nested selects whose inner test does not imply the outer one (x < k + 1 does not imply x <= k)', () => {
    const kept = where(le(u, 3), mul(where(lt(u, 4), t, 0), exp(u)), 0);
    expect(applyLean(kept).args[0]).toBe(le(u, 3));
  });

  it('never unmasks a value the original select masked (0 * inf)', () => {
    const masked = where(le(u, -100), mul(where(lt(u, -100), s, 0), constant(Number.POSITIVE_INFINITY)), 0);
    const out = applyLean(masked);
    expect(out).not.toBe(masked);
    const params = { s: 0.7, t: -1.3 };
    expect(evaluate(out, { ...env, params }).value.data).toEqual(evaluate(masked, { ...env, params }).value.data);
    expect(evaluate(out, { ...env, params }).value.data[0]).toBe(0);
  });

  it('leaves a negation alone when nothing absorbs it', () => {
    const alone = exp(neg(x));
    expect(applyLean(alone)).toBe(alone);
  });
});

/** Value and d/dpred of every catalogue case and paper experiment, as toOnnx lowers them. */
function lossGraphs() {
  const all = [
    ...catalogueCases(3),
    ...paperExperiments.map((e) => ({ name: `experiment ${e.id}`, loss: e.build({ ema: 'stateful', numClasses: 3 }) })),
  ];
  return all.map(({ name, loss }) => {
    const lowered = lowerState([loss.expr]);
    const root = simplify(lowered.roots[0]!);
    const pred = leaves([root], 'input').get('pred');
    return { name, roots: [root, ...(pred ? gradient(root, [pred]) : []), ...lowered.slots.map((slot) => slot.next)] };
  });
}

describe('prepareLean', () => {
  const graphs = lossGraphs();

  it('never costs more than the lowering rewrites alone (values: the conformance suite)', () => {
    for (const { name, roots } of graphs) {
      const plain = prepareForLowering(roots);
      const lean = prepareLean(roots);
      expect(loweredCost(lean), name).toBeLessThanOrEqual(loweredCost(plain));
    }
  });

  it('is cheaper for every paper experiment (the gradients of their hybrid terms)', () => {
    for (const { name, roots } of graphs.filter((g) => g.name.startsWith('experiment')))
      expect(loweredCost(prepareLean(roots)), name).toBeLessThan(loweredCost(prepareForLowering(roots)));
  });

  it('emits fewer ONNX nodes for the benchmarked losses, and no Where for the bi-eLU derivative', () => {
    for (const id of [1, 7, 12, 22, 27]) {
      const loss = paperExperiments.find((e) => e.id === id)!.build({ numClasses: 4, reading: 'batch' });
      const lean = toOnnx(loss, { gradients: ['pred'] });
      const plain = toOnnx(loss, { gradients: ['pred'], lean: false });
      expect(lean.nodeCount, `experiment ${id}`).toBeLessThan(plain.nodeCount);
    }
    const twelve = toOnnx(paperExperiments.find((e) => e.id === 12)!.build({ numClasses: 4, reading: 'batch' }), { gradients: ['pred'] });
    expect(twelve.text).not.toMatch(/Where\(/);
    expect(twelve.text).not.toMatch(/Neg\(sub|Add\(\w+, neg/);
  });

  it('keeps values and gradients of a hybrid experiment (float64 reference)', () => {
    const loss = paperExperiments.find((e) => e.id === 27)!.build({ numClasses: 3, reading: 'batch' });
    const root = simplify(loss.expr);
    const pred = leaves([root], 'input').get('pred')!;
    const roots = [root, ...gradient(root, [pred])];
    const [n, c, h, w_] = [2, 3, 2, 3];
    const inputs = {
      pred: { shape: [n, c, h, w_], data: data(5, n * c * h * w_) },
      labels: { shape: [n, h, w_], data: Array.from({ length: n * h * w_ }, (_, i) => i % c) },
    };
    const before = evaluate(roots, { inputs, params: loss.params }).values;
    const after = evaluate(prepareLean(roots), { inputs, params: loss.params }).values;
    for (const [i, b] of before.entries())
      expect(compareArrays(`root ${i}`, after[i]!.data, b.data, { rtol: 1e-10, atol: 1e-12 })).toBeUndefined();
  });
});
