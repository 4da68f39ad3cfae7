import { type Attrs, type Node, ShapeError, makeNode } from './ir/node.js';
import type { BinaryOp, CompareOp, UnaryOp } from './ir/ops.js';
import { ALL_ROLES, type Role, type Roles, canonicalRoles, isRole } from './ir/roles.js';

/**
 * A node, or a number that becomes a constant.
 *
 * @example
 * ```ts
 * import { type Expr, add, input } from '@losskit/core';
 * const terms: Expr[] = [input('x'), 2];
 * const y = add(terms[0]!, terms[1]!); // x + 2
 * ```
 */
export type Expr = Node | number;

/**
 * An `Expr` as a node: numbers become scalar constants.
 *
 * @example
 * ```ts
 * import { node } from '@losskit/core';
 * const two = node(2); // const node with value 2
 * ```
 */
export const node = (x: Expr): Node => (typeof x === 'number' ? constant(x) : x);

/**
 * A scalar constant, or a per-class constant vector (class weights).
 *
 * @example
 * ```ts
 * import { constant, input, mul } from '@losskit/core';
 * const weights = constant([1, 2, 0.5]); // per-class vector, roles ['class']
 * const weighted = mul(input('pred'), weights);
 * ```
 */
export function constant(value: number | readonly number[]): Node {
  return makeNode('const', [], { value: typeof value === 'number' ? value : Object.freeze([...value]) });
}

/**
 * A named tensor input. Spans batch, class and spatial unless told otherwise.
 *
 * @example
 * ```ts
 * import { input } from '@losskit/core';
 * const pred = input('pred'); // [batch, class, spatial]
 * const labels = input('labels', ['batch', 'spatial']); // one value per pixel
 * ```
 */
export function input(name: string, roles: readonly Role[] = ALL_ROLES): Node {
  checkName(name, 'input');
  return makeNode('input', [], { name, roles: checkRoles(roles) });
}

/**
 * A named scalar parameter (A, B, epoch...), bound at evaluation time; `default` when unbound.
 *
 * @example
 * ```ts
 * import { evaluateScalar, mul, param } from '@losskit/core';
 * const A = param('A', { default: 0.25 });
 * evaluateScalar(mul(A, 4)); // 1
 * evaluateScalar(mul(A, 4), { params: { A: 0.5 } }); // 2
 * ```
 */
export function param(name: string, options: { default?: number } = {}): Node {
  checkName(name, 'param');
  const attrs: Attrs = options.default === undefined ? { name } : { name, default: options.default };
  return makeNode('param', [], attrs);
}

/**
 * A state slot read by a stateful term (see `ema`).
 *
 * @example
 * ```ts
 * import { state } from '@losskit/core';
 * const moving = state('gap.mean', ['class']); // backends feed it in and carry its next value
 * ```
 */
export function state(name: string, roles: readonly Role[] = []): Node {
  checkName(name, 'state');
  return makeNode('state', [], { name, roles: checkRoles(roles) });
}

/**
 * The number of elements along the given roles (a scalar known at run time).
 *
 * @example
 * ```ts
 * import { div, input, size, sum } from '@losskit/core';
 * const x = input('x');
 * const mean = div(sum(x), size(['batch', 'class', 'spatial'])); // what mean(x) computes
 * ```
 */
export function size(roles: readonly Role[]): Node {
  return makeNode('size', [], { roles: checkRoles(roles) });
}

const unary =
  (op: UnaryOp) =>
  (x: Expr): Node =>
    makeNode(op, [node(x)]);
const binary =
  (op: BinaryOp | CompareOp) =>
  (a: Expr, b: Expr): Node =>
    makeNode(op, [node(a), node(b)]);
/** Left fold of an associative op over two or more terms. */
const variadic =
  (op: BinaryOp) =>
  (first: Expr, ...rest: Expr[]): Node =>
    rest.reduce<Node>((acc, x) => makeNode(op, [acc, node(x)]), node(first));

/**
 * -x, elementwise.
 *
 * @example
 * ```ts
 * import { neg, input } from '@losskit/core';
 * const y = neg(input('x'));
 * ```
 */
export const neg = unary('neg');
/**
 * e^x, elementwise.
 *
 * @example
 * ```ts
 * import { exp, input } from '@losskit/core';
 * const y = exp(input('x'));
 * ```
 */
export const exp = unary('exp');
/**
 * Natural logarithm, elementwise (x > 0).
 *
 * @example
 * ```ts
 * import { log, input } from '@losskit/core';
 * const y = log(input('x'));
 * ```
 */
export const log = unary('log');
/**
 * log(1 + x), elementwise, accurate near 0.
 *
 * @example
 * ```ts
 * import { log1p, input } from '@losskit/core';
 * const y = log1p(input('x'));
 * ```
 */
export const log1p = unary('log1p');
/**
 * Square root, elementwise (x >= 0).
 *
 * @example
 * ```ts
 * import { sqrt, input } from '@losskit/core';
 * const y = sqrt(input('x'));
 * ```
 */
export const sqrt = unary('sqrt');
/**
 * |x|, elementwise; its derivative is sign(x).
 *
 * @example
 * ```ts
 * import { abs, input } from '@losskit/core';
 * const y = abs(input('x'));
 * ```
 */
export const abs = unary('abs');
/**
 * sign(x) in {-1, 0, 1}, elementwise; zero gradient.
 *
 * @example
 * ```ts
 * import { sign, input } from '@losskit/core';
 * const y = sign(input('x'));
 * ```
 */
export const sign = unary('sign');
/**
 * x^2, elementwise.
 *
 * @example
 * ```ts
 * import { square, input } from '@losskit/core';
 * const y = square(input('x'));
 * ```
 */
export const square = unary('square');
/**
 * max(x, 0), elementwise.
 *
 * @example
 * ```ts
 * import { relu, input } from '@losskit/core';
 * const y = relu(input('x'));
 * ```
 */
export const relu = unary('relu');
/**
 * 1 / (1 + e^-x), elementwise.
 *
 * @example
 * ```ts
 * import { sigmoid, input } from '@losskit/core';
 * const y = sigmoid(input('x'));
 * ```
 */
export const sigmoid = unary('sigmoid');
/**
 * log(1 + e^x), elementwise, computed stably.
 *
 * @example
 * ```ts
 * import { softplus, input } from '@losskit/core';
 * const y = softplus(input('x'));
 * ```
 */
export const softplus = unary('softplus');
/**
 * Hyperbolic tangent, elementwise.
 *
 * @example
 * ```ts
 * import { tanh, input } from '@losskit/core';
 * const y = tanh(input('x'));
 * ```
 */
export const tanh = unary('tanh');
/**
 * x unchanged, with zero gradient (a value treated as a constant when differentiating).
 *
 * @example
 * ```ts
 * import { stopGradient, input } from '@losskit/core';
 * const y = stopGradient(input('x'));
 * ```
 */
export const stopGradient = unary('stopGradient');
/**
 * softmax over the class axis.
 *
 * @example
 * ```ts
 * import { input, softmax } from '@losskit/core';
 * const probs = softmax(input('pred')); // sums to 1 along the class axis
 * ```
 */
export const softmax = (x: Expr): Node => makeNode('softmax', [node(x)]);
/**
 * log(softmax(x)) over the class axis, computed stably.
 *
 * @example
 * ```ts
 * import { input, logSoftmax } from '@losskit/core';
 * const logProbs = logSoftmax(input('pred'));
 * ```
 */
export const logSoftmax = (x: Expr): Node => makeNode('logSoftmax', [node(x)]);

/**
 * elu(x) = x for x > 0, alpha*(exp(x)-1) otherwise.
 *
 * @example
 * ```ts
 * import { elu, input } from '@losskit/core';
 * const y = elu(input('x'), 1); // x > 0 ? x : e^x - 1
 * ```
 */
export function elu(x: Expr, alpha = 1): Node {
  return makeNode('elu', [node(x)], { alpha });
}

/**
 * a + b (+ c ...), elementwise with broadcasting over roles; numbers are constants.
 *
 * @example
 * ```ts
 * import { add, input } from '@losskit/core';
 * const y = add(input('x'), input('y'), 1);
 * ```
 */
export const add = variadic('add');
/**
 * a * b (* c ...), elementwise with broadcasting over roles.
 *
 * @example
 * ```ts
 * import { mul, input } from '@losskit/core';
 * const y = mul(0.5, input('x'), input('y'));
 * ```
 */
export const mul = variadic('mul');
/**
 * a - b, elementwise.
 *
 * @example
 * ```ts
 * import { sub, input } from '@losskit/core';
 * const y = sub(input('pred'), input('target'));
 * ```
 */
export const sub = binary('sub');
/**
 * a / b, elementwise.
 *
 * @example
 * ```ts
 * import { div, input } from '@losskit/core';
 * const y = div(input('x'), 2);
 * ```
 */
export const div = binary('div');
/**
 * a^b, elementwise (a > 0 where b is not an integer).
 *
 * @example
 * ```ts
 * import { pow, input } from '@losskit/core';
 * const y = pow(input('x'), 3);
 * ```
 */
export const pow = binary('pow');
/**
 * Elementwise minimum of two or more terms; ties send the gradient to the first.
 *
 * @example
 * ```ts
 * import { min, input } from '@losskit/core';
 * const y = min(input('x'), 1);
 * ```
 */
export const min = variadic('min');
/**
 * Elementwise maximum of two or more terms; ties send the gradient to the first.
 *
 * @example
 * ```ts
 * import { max, input } from '@losskit/core';
 * const y = max(input('x'), 0);
 * ```
 */
export const max = variadic('max');
/**
 * a > b as 1 or 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { gt, input } from '@losskit/core';
 * const y = gt(input('x'), 0);
 * ```
 */
export const gt = binary('gt');
/**
 * a >= b as 1 or 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { ge, input } from '@losskit/core';
 * const y = ge(input('x'), 0);
 * ```
 */
export const ge = binary('ge');
/**
 * a < b as 1 or 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { lt, input } from '@losskit/core';
 * const y = lt(input('x'), 0);
 * ```
 */
export const lt = binary('lt');
/**
 * a <= b as 1 or 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { le, input } from '@losskit/core';
 * const y = le(input('x'), 0);
 * ```
 */
export const le = binary('le');
/**
 * a == b as 1 or 0, elementwise (no gradient); one-hot from labels: eq(labels, classIndices(C)).
 *
 * @example
 * ```ts
 * import { eq, input } from '@losskit/core';
 * const y = eq(input('labels', ['batch', 'spatial']), 2);
 * ```
 */
export const eq = binary('eq');

/**
 * clamp(x, lo, hi) = min(max(x, lo), hi)
 *
 * @example
 * ```ts
 * import { clamp, input } from '@losskit/core';
 * const p = clamp(input('pred'), 1e-7, 1 - 1e-7);
 * ```
 */
export function clamp(x: Expr, lo: Expr, hi: Expr): Node {
  return min(max(x, lo), hi);
}

/**
 * cond ? a : b, elementwise; cond is nonzero for true (comparisons give 1 or 0).
 *
 * @example
 * ```ts
 * import { abs, input, lt, mul, sub, where } from '@losskit/core';
 * const d = abs(sub(input('pred'), input('target')));
 * const huber = where(lt(d, 1), mul(0.5, d, d), sub(d, 0.5));
 * ```
 */
export function where(cond: Expr, a: Expr, b: Expr): Node {
  return makeNode('where', [node(cond), node(a), node(b)]);
}

/**
 * g broadcast to the roles (and so the shape) of `like`.
 *
 * @example
 * ```ts
 * import { broadcastLike, input, mean } from '@losskit/core';
 * const x = input('x');
 * const centred = broadcastLike(mean(x), x); // mean(x) at every element of x
 * ```
 */
export function broadcastLike(g: Expr, like: Node): Node {
  return makeNode('broadcastLike', [node(g), like]);
}

/** The value broadcast to every role of the key, so a permutation has a full tensor to act on. */
function alongKey(key: Node, value: Expr): Node {
  const v = node(value);
  return v.roles.length === key.roles.length ? v : broadcastLike(v, key);
}

/**
 * `value` permuted along `roles` (their elements flattened batch, class, spatial) so that `key`
 * descends; equal keys keep their order. The key has no gradient (the permutation is piecewise
 * constant); the value's gradient is the upstream gradient permuted back (`unsortBy`).
 *
 * @example
 * ```ts
 * import { abs, input, sortBy, sub } from '@losskit/core';
 * const errors = abs(sub(input('target'), input('pred')));
 * const sortedTarget = sortBy(errors, input('target'), ['spatial']); // per image and class
 * ```
 */
export function sortBy(key: Expr, value: Expr, roles: readonly Role[]): Node {
  const k = node(key);
  return makeNode('sortBy', [k, alongKey(k, value)], { roles: checkRoles(roles) });
}

/**
 * The inverse of `sortBy(key, ., roles)`: `unsortBy(k, sortBy(k, x, r), r)` is x.
 *
 * @example
 * ```ts
 * import { input, sortBy, unsortBy } from '@losskit/core';
 * const k = input('k');
 * const back = unsortBy(k, sortBy(k, input('x'), ['spatial']), ['spatial']); // x again
 * ```
 */
export function unsortBy(key: Expr, value: Expr, roles: readonly Role[]): Node {
  const k = node(key);
  return makeNode('unsortBy', [k, alongKey(k, value)], { roles: checkRoles(roles) });
}

/**
 * Inclusive running sum along `roles` (their elements flattened batch, class, spatial).
 *
 * @example
 * ```ts
 * import { cumsum, input } from '@losskit/core';
 * const running = cumsum(input('x'), ['spatial']); // x_0, x_0 + x_1, ... per image and class
 * ```
 */
export function cumsum(x: Expr, roles: readonly Role[]): Node {
  return makeNode('cumsum', [node(x)], { roles: checkRoles(roles) });
}

function reduce(op: 'sum' | 'mean', x: Expr, roles?: readonly Role[]): Node {
  const n = node(x);
  const over = roles === undefined ? n.roles : checkRoles(roles);
  return over.length === 0 ? n : makeNode(op, [n], { roles: over });
}

/**
 * Sum over the given roles (all of the operand's roles when omitted).
 *
 * @example
 * ```ts
 * import { input, sum } from '@losskit/core';
 * const perClass = sum(input('x'), ['batch', 'spatial']); // roles ['class']
 * ```
 */
export const sum = (x: Expr, roles?: readonly Role[]): Node => reduce('sum', x, roles);
/**
 * Mean over the given roles (all of the operand's roles when omitted).
 *
 * @example
 * ```ts
 * import { input, mean } from '@losskit/core';
 * const all = mean(input('x')); // scalar
 * const perImage = mean(input('x'), ['class', 'spatial']); // roles ['batch']
 * ```
 */
export const mean = (x: Expr, roles?: readonly Role[]): Node => reduce('mean', x, roles);

/**
 * Exponential moving average of `x` across training steps, kept in state slot `slot`.
 * With m the moving sum and t the step count (both start at 0):
 *   m' = decay*m + (1-decay)*x,  t' = t+1,  ema = m' / (1 - decay^t')
 * The bias correction makes the first step return x itself. Gradients flow through x only.
 *
 * @example
 * ```ts
 * import { abs, ema, input, mean, sub } from '@losskit/core';
 * const L1 = mean(abs(sub(input('pred'), input('target'))));
 * const smoothed = ema(L1, 0.9, 'L1'); // state slots 'L1.mean' and 'L1.steps'
 * ```
 */
export function ema(x: Expr, decay: Expr, slot: string): Node {
  checkName(slot, 'ema slot');
  const d = node(decay);
  const known = d.op === 'const' ? d.attrs.value : d.op === 'param' ? d.attrs.default : undefined;
  if (typeof known === 'number') checkEmaDecay(slot, known, d.op === 'param' ? `the default of param '${d.attrs.name}'` : 'decay');
  return makeNode('ema', [node(x), d], { slot });
}

/**
 * Throws a RangeError unless 0 <= decay < 1: at 1 the average never moves and its bias correction
 * 1 - decay^t is 0 (NaN); above 1 or below 0 it is not an average.
 *
 * @example
 * ```ts
 * import { checkEmaDecay } from '@losskit/core';
 * checkEmaDecay('L1', 0.9); // fine
 * checkEmaDecay('L1', 1); // throws RangeError
 * ```
 */
export function checkEmaDecay(slot: string, decay: number, what = 'decay'): void {
  if (typeof decay === 'number' && decay >= 0 && decay < 1) return;
  throw new RangeError(
    `ema '${slot}': ${what} is ${decay}; the decay must be in [0, 1) (at 1 the bias correction 1 - decay^t is 0, giving NaN; outside [0, 1] it is not an average)`,
  );
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${what} name must be a non-empty string`);
}

function checkRoles(roles: readonly string[]): Roles {
  for (const r of roles)
    if (!isRole(r)) throw new ShapeError(`unknown axis role '${r}': expected one of batch, class, spatial`);
  return canonicalRoles(roles as Role[]);
}
