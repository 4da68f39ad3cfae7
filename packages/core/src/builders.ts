import { type Attrs, type Node, ShapeError, makeNode } from './ir/node.js';
import type { BinaryOp, CompareOp, UnaryOp } from './ir/ops.js';
import { ALL_ROLES, type Role, type Roles, canonicalRoles, isRole } from './ir/roles.js';

/** A node, or a number that becomes a constant. */
export type Expr = Node | number;

export const node = (x: Expr): Node => (typeof x === 'number' ? constant(x) : x);

/** A scalar constant, or a per-class constant vector (class weights). */
export function constant(value: number | readonly number[]): Node {
  return makeNode('const', [], { value: typeof value === 'number' ? value : Object.freeze([...value]) });
}

/** A named tensor input. Spans batch, class and spatial unless told otherwise. */
export function input(name: string, roles: readonly Role[] = ALL_ROLES): Node {
  checkName(name, 'input');
  return makeNode('input', [], { name, roles: checkRoles(roles) });
}

/** A named scalar parameter (A, B, epoch...), bound at evaluation time; `default` when unbound. */
export function param(name: string, options: { default?: number } = {}): Node {
  checkName(name, 'param');
  const attrs: Attrs = options.default === undefined ? { name } : { name, default: options.default };
  return makeNode('param', [], attrs);
}

/** A state slot read by a stateful term (see `ema`). */
export function state(name: string, roles: readonly Role[] = []): Node {
  checkName(name, 'state');
  return makeNode('state', [], { name, roles: checkRoles(roles) });
}

/** The number of elements along the given roles (a scalar known at run time). */
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

export const neg = unary('neg');
export const exp = unary('exp');
export const log = unary('log');
export const log1p = unary('log1p');
export const sqrt = unary('sqrt');
export const abs = unary('abs');
export const sign = unary('sign');
export const square = unary('square');
export const relu = unary('relu');
export const sigmoid = unary('sigmoid');
export const softplus = unary('softplus');
export const tanh = unary('tanh');
export const stopGradient = unary('stopGradient');
/** softmax over the class axis. */
export const softmax = (x: Expr): Node => makeNode('softmax', [node(x)]);
/** log(softmax(x)) over the class axis, computed stably. */
export const logSoftmax = (x: Expr): Node => makeNode('logSoftmax', [node(x)]);

/** elu(x) = x for x > 0, alpha*(exp(x)-1) otherwise. */
export function elu(x: Expr, alpha = 1): Node {
  return makeNode('elu', [node(x)], { alpha });
}

export const add = variadic('add');
export const mul = variadic('mul');
export const sub = binary('sub');
export const div = binary('div');
export const pow = binary('pow');
export const min = variadic('min');
export const max = variadic('max');
export const gt = binary('gt');
export const ge = binary('ge');
export const lt = binary('lt');
export const le = binary('le');
export const eq = binary('eq');

/** clamp(x, lo, hi) = min(max(x, lo), hi) */
export function clamp(x: Expr, lo: Expr, hi: Expr): Node {
  return min(max(x, lo), hi);
}

/** cond ? a : b, elementwise; cond is nonzero for true (comparisons give 1 or 0). */
export function where(cond: Expr, a: Expr, b: Expr): Node {
  return makeNode('where', [node(cond), node(a), node(b)]);
}

/** g broadcast to the roles (and so the shape) of `like`. */
export function broadcastLike(g: Expr, like: Node): Node {
  return makeNode('broadcastLike', [node(g), like]);
}

function reduce(op: 'sum' | 'mean', x: Expr, roles?: readonly Role[]): Node {
  const n = node(x);
  const over = roles === undefined ? n.roles : checkRoles(roles);
  return over.length === 0 ? n : makeNode(op, [n], { roles: over });
}

/** Sum over the given roles (all of the operand's roles when omitted). */
export const sum = (x: Expr, roles?: readonly Role[]): Node => reduce('sum', x, roles);
/** Mean over the given roles (all of the operand's roles when omitted). */
export const mean = (x: Expr, roles?: readonly Role[]): Node => reduce('mean', x, roles);

/**
 * Exponential moving average of `x` across training steps, kept in state slot `slot`.
 * With m the moving sum and t the step count (both start at 0):
 *   m' = decay*m + (1-decay)*x,  t' = t+1,  ema = m' / (1 - decay^t')
 * The bias correction makes the first step return x itself. Gradients flow through x only.
 */
export function ema(x: Expr, decay: Expr, slot: string): Node {
  checkName(slot, 'ema slot');
  return makeNode('ema', [node(x), node(decay)], { slot });
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${what} name must be a non-empty string`);
}

function checkRoles(roles: readonly string[]): Roles {
  for (const r of roles)
    if (!isRole(r)) throw new ShapeError(`unknown axis role '${r}': expected one of batch, class, spatial`);
  return canonicalRoles(roles as Role[]);
}
