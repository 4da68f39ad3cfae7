import { lookupName } from './names.js';
import {
  abs,
  add,
  broadcastLike,
  constant,
  div,
  exp,
  input,
  log,
  mul,
  neg,
  pow,
  sqrt,
  square,
  sub,
  sum,
  where,
} from './builders.js';
import { collectSum } from './collect.js';
import { constValue, isAlwaysFinite, isNonNegative } from './facts.js';
import { BINARY_KERNELS, UNARY_KERNELS, elu, whereKernel } from './ir/kernels.js';
import { type Node, rewrite, withArgs } from './ir/node.js';
import { ALL_ROLES, sameRoles } from './ir/roles.js';
import { COMMUTATIVE_OPS, isBinaryOp, isCompareOp, isUnaryOp } from './ir/ops.js';

/**
 * Pattern variables bound by `match`, by name.
 *
 * @example
 * ```ts
 * import { type Bindings, input, match, mul, v } from '@losskit/core';
 * const bound: Bindings | undefined = match(mul(v('x'), 1), mul(input('y'), 1));
 * bound?.x; // input('y')
 * ```
 */
export type Bindings = Record<string, Node>;

/**
 * A rewrite rule: when `pattern` matches (and `when` holds), the node becomes `rewrite(bindings)`.
 *
 * @example
 * ```ts
 * import { type Rule, rule, sub, v } from '@losskit/core';
 * const selfMinus: Rule = rule('x-x -> 0', sub(v('x'), v('x')), () => v('zero'));
 * ```
 */
export interface Rule {
  readonly name: string;
  readonly pattern: Node;
  readonly rewrite: (b: Bindings) => Node;
  readonly when?: (b: Bindings) => boolean;
}

/**
 * A pattern variable: matches any node and binds it by name.
 *
 * @example
 * ```ts
 * import { add, rule, v } from '@losskit/core';
 * const r = rule('x+0 -> x', add(v('x'), 0), (b) => b.x!);
 * ```
 */
export const v = (name: string): Node => input(`$${name}`, ALL_ROLES);
const isVar = (n: Node): boolean => n.op === 'input' && n.attrs.name!.startsWith('$');

/**
 * A simplification rule: when `pattern` matches (and `when` holds), the node becomes `rewrite(bindings)`.
 *
 * @example
 * ```ts
 * import { DEFAULT_RULES, input, mul, rule, simplify, square, v } from '@losskit/core';
 * const squares = rule('x*x -> square(x)', mul(v('x'), v('x')), (b) => square(b.x!));
 * simplify(mul(input('y'), input('y')), { rules: [...DEFAULT_RULES, squares] }); // square(y)
 * ```
 */
export function rule(name: string, pattern: Node, rewrite: (b: Bindings) => Node, when?: (b: Bindings) => boolean): Rule {
  return when ? { name, pattern, rewrite, when } : { name, pattern, rewrite };
}

const OPS_WITH_ATTRS: ReadonlySet<string> = new Set(['elu', 'sum', 'mean', 'ema', 'sortBy', 'unsortBy', 'cumsum']);

/**
 * Matches `node` against `pattern`; commutative ops are tried both ways.
 *
 * @example
 * ```ts
 * import { add, input, match, v } from '@losskit/core';
 * match(add(v('x'), 0), add(input('y'), 0)); // { x: input('y') }
 * match(add(v('x'), 0), input('y')); // undefined
 * ```
 */
export function match(pattern: Node, node: Node, bound: Bindings = {}): Bindings | undefined {
  if (isVar(pattern)) {
    const name = pattern.attrs.name!.slice(1);
    const prior = lookupName(bound, name);
    if (prior) return prior === node ? bound : undefined;
    return { ...bound, [name]: node };
  }
  if (pattern.op !== node.op || pattern.args.length !== node.args.length) return undefined;
  if (pattern.args.length === 0) return pattern === node ? bound : undefined;
  if (OPS_WITH_ATTRS.has(node.op) && JSON.stringify(pattern.attrs) !== JSON.stringify(node.attrs)) return undefined;
  const orders = COMMUTATIVE_OPS.has(node.op) ? [node.args, [...node.args].reverse()] : [node.args];
  for (const args of orders) {
    let b: Bindings | undefined = bound;
    for (let i = 0; i < args.length && b; i++) b = match(pattern.args[i]!, args[i]!, b);
    if (b) return b;
  }
  return undefined;
}

const x = v('x');
const y = v('y');
const c = v('c');
const k = v('k');
const isConst = (n: Node | undefined): boolean => n !== undefined && constValue(n) !== undefined;
const zero = constant(0);
const one = constant(1);

/**
 * The default rules. Each keeps the value of every expression whose value is finite: rules
 * that would turn an Inf or NaN of x into a number (x*0, x-x) are guarded by `isFinite`.
 *
 * @example
 * ```ts
 * import { DEFAULT_RULES } from '@losskit/core';
 * DEFAULT_RULES.map((r) => r.name); // 'x+0 -> x', ...
 * ```
 */
export const DEFAULT_RULES: readonly Rule[] = [
  rule('x+0 -> x', add(x, 0), (b) => b.x!),
  rule('x-0 -> x', sub(x, 0), (b) => b.x!),
  rule('0-x -> -x', sub(0, x), (b) => neg(b.x!)),
  rule('x-x -> 0', sub(x, x), () => zero, (b) => isAlwaysFinite(b.x!)),
  rule('x+zeros -> x', add(x, broadcastLike(0, y)), (b) => b.x!),
  rule('x-zeros -> x', sub(x, broadcastLike(0, y)), (b) => b.x!),
  rule('x*ones -> x', mul(x, broadcastLike(1, y)), (b) => b.x!),
  rule('x+(-y) -> x-y', add(x, neg(y)), (b) => sub(b.x!, b.y!)),
  rule('x-(-y) -> x+y', sub(x, neg(y)), (b) => add(b.x!, b.y!)),
  rule('x+x -> 2*x', add(x, x), (b) => mul(2, b.x!)),
  rule('c*x+x -> (c+1)*x', add(mul(c, x), x), (b) => mul(constValue(b.c!)! + 1, b.x!), (b) => isConst(b.c)),
  rule('x*1 -> x', mul(x, 1), (b) => b.x!),
  rule('x*0 -> 0', mul(x, 0), () => zero, (b) => isAlwaysFinite(b.x!)),
  rule('x*-1 -> -x', mul(x, -1), (b) => neg(b.x!)),
  rule('x*x -> x^2', mul(x, x), (b) => square(b.x!)),
  rule('(-x)*y -> -(x*y)', mul(neg(x), y), (b) => neg(mul(b.x!, b.y!))),
  rule('c*(k*x) -> (c*k)*x', mul(c, mul(k, x)), (b) => mul(constValue(b.c!)! * constValue(b.k!)!, b.x!), (b) =>
    isConst(b.c) && isConst(b.k),
  ),
  rule('x*(1/y) -> x/y', mul(x, div(1, y)), (b) => div(b.x!, b.y!)),
  rule('x/1 -> x', div(x, 1), (b) => b.x!),
  rule('(x/(c*y))*(c*k) -> (x*k)/y', mul(div(x, mul(c, y)), mul(c, k)), (b) => div(mul(b.x!, b.k!), b.y!), (b) =>
    isConst(b.c) && constValue(b.c!) !== 0 && Number.isFinite(constValue(b.c!)),
  ),
  rule('(-x)/y -> -(x/y)', div(neg(x), y), (b) => neg(div(b.x!, b.y!))),
  rule('x/(-y) -> -(x/y)', div(x, neg(y)), (b) => neg(div(b.x!, b.y!))),
  rule('(c*x)/y -> c*(x/y)', div(mul(c, x), y), (b) => mul(b.c!, div(b.x!, b.y!)), (b) => isConst(b.c)),
  rule('--x -> x', neg(neg(x)), (b) => b.x!),
  rule('x^0 -> 1', pow(x, 0), () => one),
  rule('x^1 -> x', pow(x, 1), (b) => b.x!),
  rule('x^2 -> square(x)', pow(x, 2), (b) => square(b.x!)),
  rule('x^0.5 -> sqrt(x)', pow(x, 0.5), (b) => sqrt(b.x!)),
  rule('square(-x) -> square(x)', square(neg(x)), (b) => square(b.x!)),
  rule('|-x| -> |x|', abs(neg(x)), (b) => abs(b.x!)),
  rule('sqrt(x^2) -> |x|', sqrt(square(x)), (b) => abs(b.x!)),
  rule('sqrt(x)^2 -> x', square(sqrt(x)), (b) => b.x!, (b) => isNonNegative(b.x!)),
  rule('exp(log x) -> x', exp(log(x)), (b) => b.x!, (b) => isNonNegative(b.x!)),
  rule('log(exp x) -> x', log(exp(x)), (b) => b.x!),
  rule('where(c, x, x) -> x', where(c, x, x), (b) => b.x!),
];

/** Constant folding over scalar constants, with the same kernels the evaluator runs. */
function fold(node: Node): Node | undefined {
  if (node.args.length === 0 || !node.args.every(isConst)) return undefined;
  const a = node.args.map((n) => constValue(n)!);
  const op = node.op;
  if (op === 'elu') return constant(elu(a[0]!, node.attrs.alpha!));
  if (isUnaryOp(op)) return constant(UNARY_KERNELS[op as Exclude<typeof op, 'elu'>](a[0]!));
  if (isBinaryOp(op) || isCompareOp(op)) return constant(BINARY_KERNELS[op](a[0]!, a[1]!));
  if (op === 'where') return constant(whereKernel(a[0]!, a[1]!, a[2]!));
  return undefined;
}

/** Facts of the order ops: a permutation and its inverse cancel, and neither moves what is constant along its roles or changes their sums. */
const INVERSE_ORDER: Readonly<Record<string, string>> = { sortBy: 'unsortBy', unsortBy: 'sortBy' };
function orderFacts(node: Node): Node | undefined {
  if (INVERSE_ORDER[node.op] !== undefined) {
    const [key, x] = node.args as [Node, Node];
    const along = node.attrs.roles!;
    // unsortBy(k, sortBy(k, x)) -> x and sortBy(k, unsortBy(k, x)) -> x
    if (x.op === INVERSE_ORDER[node.op] && x.args[0] === key && sameRoles(x.attrs.roles!, along)) return x.args[1];
    // a value constant along the roles: sortBy(k, broadcastLike(c, k)) -> broadcastLike(c, k)
    if (x.op === 'broadcastLike' && !along.some((r) => x.args[0]!.roles.includes(r))) return x;
  }
  // sum over every sorted role: sum(sortBy(k, x, R), S) -> sum(x, S) for S containing R
  const permuted = node.args[0];
  if (node.op === 'sum' && permuted && INVERSE_ORDER[permuted.op] !== undefined && permuted.attrs.roles!.every((r) => node.attrs.roles!.includes(r)))
    return sum(permuted.args[1]!, node.attrs.roles!);
  return undefined;
}

/** Rewrites beyond single patterns: same-role broadcasts, constant conditions, order facts, like terms of sums. */
function structural(node: Node): Node | undefined {
  if (node.op === 'broadcastLike' && sameRoles(node.args[0]!.roles, node.roles)) return node.args[0];
  const ordered = orderFacts(node);
  if (ordered) return ordered;
  if (node.op === 'where' && isConst(node.args[0])) return node.args[constValue(node.args[0]!) !== 0 ? 1 : 2];
  return collectSum(node);
}

/**
 * A rewrite must keep the node's roles. A result spanning fewer roles (x*0 -> 0) is broadcast
 * back like an argument that spans them all; without such an argument the rewrite is dropped.
 */
function fitRoles(out: Node, node: Node): Node | undefined {
  if (sameRoles(out.roles, node.roles)) return out;
  const like = node.args.find((a) => sameRoles(a.roles, node.roles));
  return like && out.roles.every((r) => node.roles.includes(r)) ? broadcastLike(out, like) : undefined;
}

/**
 * Options of `simplify`.
 *
 * @example
 * ```ts
 * import { DEFAULT_RULES, type SimplifyOptions } from '@losskit/core';
 * const options: SimplifyOptions = { rules: DEFAULT_RULES.slice(0, 5), maxPasses: 10 };
 * ```
 */
export interface SimplifyOptions {
  rules?: readonly Rule[];
  /** Passes over the whole graph before giving up on a fixed point (default 32). */
  maxPasses?: number;
}

/**
 * Rewrites to a fixed point: constant folding, then the rules. Never changes the value of an
 * expression that evaluates finite (property-tested); rewrites that would change an operand's
 * roles are rejected.
 *
 * @example
 * ```ts
 * import { add, input, mul, print, simplify } from '@losskit/core';
 * print(simplify(add(mul(input('x'), 1), 0))); // 'x'
 * ```
 */
export function simplify(root: Node, options: SimplifyOptions = {}): Node {
  const rules = options.rules ?? DEFAULT_RULES;
  const maxPasses = options.maxPasses ?? 32;
  const byOp = new Map<string, Rule[]>();
  for (const r of rules) byOp.set(r.pattern.op, [...(byOp.get(r.pattern.op) ?? []), r]);

  const step = (node: Node): Node | undefined => {
    const folded = fold(node) ?? structural(node);
    if (folded) return fitRoles(folded, node);
    for (const r of byOp.get(node.op) ?? []) {
      const b = match(r.pattern, node);
      if (!b || (r.when && !r.when(b))) continue;
      const out = fitRoles(r.rewrite(b), node);
      if (out && out !== node) return out;
    }
    return undefined;
  };

  let current = root;
  for (let pass = 0; pass < maxPasses; pass++) {
    const [next] = rewrite([current], (node, args) => {
      // An ema term is identified by its slot: rewriting its argument would make a second,
      // different term on the same slot (say in a gradient next to the loss), so it stays as built.
      if (node.op === 'ema') return node;
      let n = withArgs(node, args);
      for (let i = 0; i < 16; i++) {
        const out = step(n);
        if (!out) break;
        n = out;
      }
      return n;
    });
    if (next === current) return current;
    current = next!;
  }
  return current;
}
