import { BINARY_KERNELS, type Node, type Op, UNARY_KERNELS, broadcastLike, constant, makeNode, postOrder, sameRoles, topoSort } from '@losskit/core';
import { LOWERING_REWRITES, type Rewrite, type RewriteFacts, prepareForLowering } from './rewrites.js';

/**
 * Rewrites that drop small nodes: the symbolic gradient leaves negations, selects and scalar
 * chains that a person writing the graph by hand would not. Every ONNX Runtime node costs a few
 * microseconds whatever its size, so on the scalar part of a loss graph (the coefficients of the
 * hybrid terms) the node count is the cost. All are exact in real arithmetic.
 *
 * A rule may leave the count unchanged (a negation moved, not yet absorbed); `leanRoots` keeps a
 * rewritten graph only when it has no more emitting nodes than before.
 */
type LeanRewrite = (node: Node) => Node | undefined;

const ZERO = constant(0);
const isConst = (n: Node, value?: number): boolean =>
  n.op === 'const' && typeof n.attrs.value === 'number' && (value === undefined || n.attrs.value === value);
const constValue = (n: Node): number => n.attrs.value as number;

/**
 * m with n = -m, when n is a negation: -y, a broadcast of -y, or a product with a factor -y
 * (the negation is taken off instead of being computed).
 */
function negated(n: Node): Node | undefined {
  // arguments first (postOrder), memoized: a long product never recurses, and each node is done once
  for (const m of postOrder([n], negationArgs)) if (!negations.has(m)) negations.set(m, negatedFrom(m) ?? null);
  return negations.get(n) ?? undefined;
}
const negations = new WeakMap<Node, Node | null>();
const negationArgs = (n: Node): readonly Node[] =>
  negations.has(n) ? [] : n.op === 'broadcastLike' ? n.args.slice(0, 1) : n.op === 'mul' ? n.args : [];
/** One step of `negated`, its arguments' answers memoized: -y; a broadcast of a negation; a product with one (a first). */
function negatedFrom(n: Node): Node | undefined {
  const of = (m: Node) => negations.get(m) ?? undefined;
  if (n.op === 'neg') return n.args[0]!;
  if (n.op === 'broadcastLike') {
    const inner = of(n.args[0]!);
    return inner && broadcastLike(inner, n.args[1]!);
  }
  if (n.op === 'mul') {
    const [a, b] = n.args as [Node, Node];
    const na = of(a);
    if (na) return makeNode('mul', [na, b]);
    const nb = of(b);
    if (nb) return makeNode('mul', [a, nb]);
  }
  return undefined;
}

/** x in `x > 0` (or `0 < x`). */
function positiveTest(c: Node): Node | undefined {
  if (c.op === 'gt' && isConst(c.args[1]!, 0)) return c.args[0]!;
  if (c.op === 'lt' && isConst(c.args[0]!, 0)) return c.args[1]!;
  return undefined;
}

/** x when n is elu(x) + 1 with alpha 1 (either order). */
function eluPlusOne(n: Node): Node | undefined {
  if (n.op !== 'add') return undefined;
  const [a, b] = n.args as [Node, Node];
  const [e, one] = a.op === 'elu' ? [a, b] : [b, a];
  return e.op === 'elu' && e.attrs.alpha === 1 && isConst(one, 1) ? e.args[0]! : undefined;
}

/**
 * c1 holds wherever c2 does: the same operand against the same constant bound, with c1 the weaker
 * comparison (x < k implies x <= k; x > k implies x >= k), or the same test.
 */
function implies(c2: Node, c1: Node): boolean {
  if (c2 === c1) return true;
  const weaker: Partial<Record<Op, Op>> = { lt: 'le', gt: 'ge' };
  return weaker[c2.op] === c1.op && c2.args[0] === c1.args[0] && c2.args[1] === c1.args[1] && isConst(c2.args[1]!);
}

/**
 * where(c1, where(c2, a, 0) * e, 0) with c2 => c1 is where(c2, a * e, 0): one select, no c1.
 * Where c2 fails both give 0 — the rewritten one even when e is not finite (0 * inf is NaN), so
 * it masks at least what the original masked.
 */
function nestedSelect(c1: Node, y: Node): Node | undefined {
  if (y.op !== 'mul') return undefined;
  for (const [i, p] of y.args.entries()) {
    const inner = p.op === 'where' && isConst(p.args[2]!, 0) && implies(p.args[0]!, c1) ? p : undefined;
    if (inner) return makeNode('where', [inner.args[0]!, makeNode('mul', [inner.args[1]!, y.args[1 - i]!]), ZERO]);
  }
  return undefined;
}

/** An op on scalar constants only: the constant it computes (float64, as the reference does). */
function folded(node: Node): Node | undefined {
  if (node.args.length === 0 || !node.args.every((a) => isConst(a))) return undefined;
  const values = node.args.map(constValue);
  const unary = UNARY_KERNELS[node.op as keyof typeof UNARY_KERNELS];
  const binary = BINARY_KERNELS[node.op as keyof typeof BINARY_KERNELS];
  if (unary && values.length === 1) return constant(unary(values[0]!));
  if (binary && values.length === 2) return constant(binary(values[0]!, values[1]!));
  return undefined;
}

/** [k, x] when n is k * x or x * k for a scalar constant k. */
function constTimes(n: Node): [number, Node] | undefined {
  if (n.op !== 'mul') return undefined;
  const [a, b] = n.args as [Node, Node];
  if (isConst(a) && !isConst(b)) return [constValue(a), b];
  if (isConst(b) && !isConst(a)) return [constValue(b), a];
  return undefined;
}

/** k2 (k1 x) = (k1 k2) x and k2 (k1 / x) = (k1 k2) / x: one op instead of two. */
function constChain(node: Node): Node | undefined {
  const outer = constTimes(node);
  if (!outer) return undefined;
  const [k2, inner] = outer;
  const product = constTimes(inner);
  if (product) return makeNode('mul', [constant(product[0] * k2), product[1]]);
  if (inner.op === 'div' && isConst(inner.args[0]!) && !isConst(inner.args[1]!))
    return makeNode('div', [constant(constValue(inner.args[0]!) * k2), inner.args[1]!]);
  return undefined;
}

const foldFirst =
  (rule: LeanRewrite): LeanRewrite =>
  (node) =>
    folded(node) ?? rule(node);

const RULES: Partial<Record<Op, LeanRewrite>> = {
  mul: constChain,
  neg: (node) => {
    const [x] = node.args as [Node];
    // -(-x) = x
    if (x.op === 'neg') return x.args[0]!;
    // -(a - b) = b - a
    if (x.op === 'sub') return makeNode('sub', [x.args[1]!, x.args[0]!]);
    return undefined;
  },
  add: (node) => {
    const [p, q] = node.args as [Node, Node];
    // a + (-b) = a - b, (-a) + b = b - a: the negation is never computed
    const nq = negated(q);
    if (nq) return makeNode('sub', [p, nq]);
    const np = negated(p);
    if (np) return makeNode('sub', [q, np]);
    return undefined;
  },
  sub: (node) => {
    const [p, q] = node.args as [Node, Node];
    // a - (-b) = a + b
    const nq = negated(q);
    return nq ? makeNode('add', [p, nq]) : undefined;
  },
  where: (node) => {
    const [c, a, b] = node.args as [Node, Node, Node];
    // where(x > 0, 1, elu(x) + 1) = e^min(x, 0): the derivative of elu (alpha 1), e^x below 0
    const x = positiveTest(c);
    if (x && isConst(a, 1) && eluPlusOne(b) === x) return makeNode('exp', [makeNode('min', [x, ZERO])]);
    // where(c, k, -y) = -where(c, -k, y) (and mirrored): the negation moves out where an add or
    // sub around it can absorb it
    if (isConst(a) && b.op === 'neg') return makeNode('neg', [makeNode('where', [c, constant(-constValue(a)), b.args[0]!])]);
    if (isConst(b) && a.op === 'neg') return makeNode('neg', [makeNode('where', [c, a.args[0]!, constant(-constValue(b))])]);
    // where(c1, where(c2, a, 0) e, 0) = where(c2, a e, 0) when c2 implies c1
    const nested = isConst(b, 0) ? nestedSelect(c, a) : undefined;
    if (nested && sameRoles(nested.roles, node.roles)) return nested;
    return undefined;
  },
};

export const LEAN_REWRITES: Partial<Record<Op, LeanRewrite>> = Object.fromEntries(
  [...new Set<string>([...Object.keys(UNARY_KERNELS), ...Object.keys(BINARY_KERNELS), ...Object.keys(RULES)])].map((op) => [
    op,
    foldFirst(RULES[op as Op] ?? (() => undefined)),
  ]),
);

/**
 * A rough run-time cost of the emitted graph: one unit per ONNX node (its fixed overhead) plus
 * its elements, a full [batch, class, spatial] tensor counting 16 units and a per-pixel
 * [batch, spatial] one 4 (a node on 2^16 elements takes some 10-20 times a scalar node's time).
 */
export function loweredCost(roots: readonly Node[]): number {
  let cost = 0;
  for (const n of topoSort(roots)) {
    if (n.args.length === 0 || n.op === 'broadcastLike') continue;
    const perPixel = n.roles.includes('spatial') || n.roles.includes('batch');
    cost += 1 + (perPixel ? (n.roles.includes('class') ? 16 : 4) : 0);
  }
  return cost;
}

/** LOWERING_REWRITES, then LEAN_REWRITES where a lowering rule does not apply. */
const LOWERING_AND_LEAN: Partial<Record<Op, Rewrite>> = Object.fromEntries(
  [...new Set([...Object.keys(LOWERING_REWRITES), ...Object.keys(LEAN_REWRITES)])].map((op) => {
    const lowering = LOWERING_REWRITES[op as Op];
    const lean = LEAN_REWRITES[op as Op];
    const both: Rewrite = (node, facts) => lowering?.(node, facts) ?? lean?.(node);
    return [op, both];
  }),
);

/**
 * prepareForLowering with LEAN_REWRITES: applied together with the lowering rewrites (a removed
 * negation can open a lowering rewrite) and after them; the cheapest of these and the lowering
 * rewrites alone is kept (loweredCost), so a moved negation nothing absorbs never costs a node.
 */
export function prepareLean(roots: readonly Node[], facts?: RewriteFacts): Node[] {
  const plain = prepareForLowering(roots, facts);
  const candidates = [plain, prepareForLowering(roots, facts, LOWERING_AND_LEAN), prepareForLowering(plain, facts, LEAN_REWRITES)];
  return candidates.reduce((best, c) => (loweredCost(c) < loweredCost(best) ? c : best));
}
