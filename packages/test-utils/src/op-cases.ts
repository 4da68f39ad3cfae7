import {
  type Node,
  type Roles,
  abs,
  add,
  broadcastLike,
  constant,
  cumsum,
  div,
  elu,
  ema,
  eq,
  exp,
  ge,
  gt,
  input,
  le,
  log,
  log1p,
  logSoftmax,
  lt,
  max,
  mean,
  min,
  mul,
  neg,
  param,
  pow,
  relu,
  sigmoid,
  sign,
  size,
  softmax,
  softplus,
  sortBy,
  sqrt,
  square,
  stopGradient,
  sub,
  sum,
  tanh,
  unsortBy,
  where,
} from '@losskit/core';
import type { InputData, InputDomain, InputSpec, LossLike } from './types.js';

/** One row of the op table: an expression exercising one op, its inputs' domains, data tweaks. */
export interface OpCase extends LossLike {
  /** Moves generated data off the points where the op is not differentiable (kinks, ties). */
  readonly adjust?: (inputs: Record<string, InputData>) => void;
}

const ALL: Roles = ['batch', 'class', 'spatial'];
const spec = (domain: InputDomain, roles: Roles = ALL): InputSpec => ({ roles, domain });

/** x -> x +- 0.25 away from 0, so abs/relu/sign/elu are evaluated off their kink. */
const offZero = (name: string) => (inputs: Record<string, InputData>) => {
  const d = inputs[name]!.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]! >= 0 ? d[i]! + 0.25 : d[i]! - 0.25);
};

/** y -> x +- (0.25 + |y|/2), so min/max/comparisons of x and y never tie (y spans all roles). */
const apart = (x: string, y: string) => (inputs: Record<string, InputData>) => {
  const a = inputs[x]!.data;
  const b = inputs[y]!.data;
  for (let i = 0; i < b.length; i++) b[i] = Math.fround(a[i]! + (i % 2 === 0 ? 1 : -1) * (0.25 + Math.abs(b[i]!) / 2));
};


const x = input('x');
const y = input('y');
const w = input('w', ['class']);
const labels = input('labels', ['batch', 'spatial']);
const mask = input('mask', ['batch', 'spatial']);

function row(
  name: string,
  expr: Node,
  inputs: Record<string, InputSpec>,
  extra: { params?: Record<string, number>; adjust?: OpCase['adjust'] } = {},
): OpCase {
  const base = { name: `op/${name}`, expr, inputs, params: extra.params ?? {} };
  return extra.adjust ? { ...base, adjust: extra.adjust } : base;
}

const real = { x: spec('real') };
const v = input('v');
const xyv = { x: spec('real'), y: spec('real'), v: spec('real') };
const xy = { x: spec('real'), y: spec('real') };
const compare = (name: string, op: (a: Node, b: Node) => Node): OpCase =>
  row(name, mul(op(x, y), x), xy, { adjust: apart('x', 'y') });

/**
 * One row per op (and per broadcasting pattern worth checking), with an input domain where the
 * op is defined and differentiable. Roots are non-scalar where that checks the value layout; the
 * gradient of a non-scalar root is that of its sum. Sizes must give 3 classes (per-class constants).
 */
export function opCases(): OpCase[] {
  return [
    // leaves
    row('const-scalar', add(x, 2), real),
    row('const-per-class', mul(x, constant([0.5, 1, 2])), real),
    row('param', mul(x, param('k', { default: 1.5 })), real, { params: { k: 0.75 } }),
    row('param-default', mul(x, param('k', { default: 1.5 })), real),
    row('size', div(sum(square(x)), size(['batch', 'spatial'])), real),
    // unary
    row('neg', neg(x), real),
    row('exp', exp(x), { x: spec('logits') }),
    row('log', log(x), { x: spec('positive') }),
    row('log1p', log1p(x), { x: spec('probability') }),
    row('sqrt', sqrt(x), { x: spec('positive') }),
    row('abs', abs(x), real, { adjust: offZero('x') }),
    row('sign', mul(sign(x), square(x)), real, { adjust: offZero('x') }),
    row('square', square(x), real),
    row('relu', relu(x), real, { adjust: offZero('x') }),
    row('elu', elu(x, 0.7), real, { adjust: offZero('x') }),
    row('sigmoid', sigmoid(x), { x: spec('logits') }),
    row('softplus', softplus(x), { x: spec('logits') }),
    row('tanh', tanh(x), real),
    row('stopGradient', mul(stopGradient(x), x), real),
    // binary, full x full and broadcast against per-class / scalar operands
    row('add', add(x, y), xy),
    row('add-per-class', add(x, w), { x: spec('real'), w: spec('real', ['class']) }),
    row('sub', sub(x, y), xy),
    row('sub-scalar-left', sub(1, x), real),
    row('mul', mul(x, y), xy),
    row('mul-per-class', mul(x, w), { x: spec('real'), w: spec('real', ['class']) }),
    row('div', div(x, y), { x: spec('real'), y: spec('positive') }),
    row('div-per-class', div(w, y), { w: spec('real', ['class']), y: spec('positive') }),
    row('pow', pow(x, y), { x: spec('positive'), y: spec('real') }),
    row('pow-const', pow(x, 3), { x: spec('positive') }),
    row('min', min(x, y), xy, { adjust: apart('x', 'y') }),
    row('max', max(x, y), xy, { adjust: apart('x', 'y') }),
    row('max-scalar', max(x, 0.1), real, { adjust: offZero('x') }),
    // comparisons give 1/0; times x so the gradient is the mask
    compare('gt', gt),
    compare('ge', ge),
    compare('lt', lt),
    compare('le', le),
    // eq is only worth testing where ties happen: 0/1 data, which is not differentiated
    row('eq', mul(eq(input('a'), input('b')), x), { a: spec('binary'), b: spec('binary'), x: spec('real') }),
    row('eq-labels', mul(eq(labels, constant([0, 1, 2])), logSoftmax(x)), {
      x: spec('logits'),
      labels: spec('labels', ['batch', 'spatial']),
    }),
    row('where', where(gt(x, 0), square(x), y), xy, { adjust: offZero('x') }),
    row('where-mask', where(mask, x, mul(y, 2)), { x: spec('real'), y: spec('real'), mask: spec('mask', ['batch', 'spatial']) }),
    // reductions over each role set
    row('sum-all', sum(mul(x, y)), xy),
    row('sum-class', sum(mul(x, y), ['class']), xy),
    row('sum-batch-spatial', sum(mul(x, y), ['batch', 'spatial']), xy),
    row('sum-spatial', sum(mul(x, y), ['spatial']), xy),
    row('mean-all', mean(square(x)), real),
    row('mean-class', mean(square(x), ['class']), real),
    row('mean-batch-spatial', mean(square(x), ['batch', 'spatial']), real),
    row('mean-batch', mean(mul(x, y), ['batch']), xy),
    // class normalizations
    row('softmax', mul(softmax(x), y), { x: spec('logits'), y: spec('real') }),
    row('logSoftmax', mul(logSoftmax(x), y), { x: spec('logits'), y: spec('probability') }),
    row('broadcastLike', mul(broadcastLike(sum(x, ['class']), x), y), xy),
    // order ops: permutations by a real key y (random data has no ties) and running sums, times a
    // weight v so each element's gradient differs; every role set a layout must flatten in order
    row('sortBy-spatial', mul(sortBy(y, x, ['spatial']), v), xyv),
    row('sortBy-batch-spatial', mul(sortBy(y, square(x), ['batch', 'spatial']), v), xyv),
    row('sortBy-class-spatial', mul(sortBy(y, x, ['class', 'spatial']), v), xyv),
    row('sortBy-per-pixel-value', mul(sortBy(y, mask, ['batch', 'spatial']), x), { x: spec('real'), y: spec('real'), mask: spec('mask', ['batch', 'spatial']) }),
    row('unsortBy-all', mul(unsortBy(y, x, ['batch', 'class', 'spatial']), v), xyv),
    row('unsortBy-spatial', mul(unsortBy(y, exp(x), ['spatial']), v), { ...xyv, x: spec('logits') }),
    row('cumsum-spatial', mul(cumsum(x, ['spatial']), v), { x: spec('real'), v: spec('real') }),
    row('cumsum-class-spatial', mul(cumsum(square(x), ['class', 'spatial']), v), { x: spec('real'), v: spec('real') }),
    row('cumsum-batch-spatial-ones', mul(cumsum(broadcastLike(1, x), ['batch', 'spatial']), x), real),
    // state: scalar and per-class moving averages, carried over steps
    row('ema-scalar', ema(mean(square(x)), 0.9, 'scalar'), real),
    row('ema-per-class', sum(mul(ema(mean(x, ['batch', 'spatial']), 0.8, 'perClass'), w)), {
      x: spec('real'),
      w: spec('real', ['class']),
    }),
  ];
}
