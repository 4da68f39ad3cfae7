import {
  type Node,
  type Op,
  type Roles,
  ShapeError,
  broadcastLike,
  constant,
  div,
  includesRoles,
  makeNode,
  mul,
  neg,
  postOrder,
  rewrite,
  sameRoles,
  size,
  softmax,
  unionRoles,
} from '@losskit/core';
import { logSumExpOperand } from './lowerings.js';

/**
 * Algebraic rewrites applied to value, gradients and state updates together before lowering.
 * Each moves work from full tensors to smaller ones or drops a full-tensor op: ONNX Runtime's CPU
 * optimizer fuses none of these elementwise ops, so every full-size node saved is time saved.
 * All are exact in real arithmetic (float rounding may differ in the last bits).
 */
/** What rewrites may know beyond the graph: facts from the loss's declared input domains. */
export interface RewriteFacts {
  /** A one-hot tensor along class: its sum over class is 1 at every position. */
  isOneHot(node: Node): boolean;
}
const NO_FACTS: RewriteFacts = { isOneHot: () => false };

/** One rewrite rule: the replacement of `node`, or undefined when it does not apply. */
export type Rewrite = (node: Node, facts: RewriteFacts) => Node | undefined;

const isScalar = (n: Node): boolean => n.roles.length === 0;
const reduce = (op: 'sum' | 'mean', x: Node, roles: Roles): Node => makeNode(op, [x], { roles });

/**
 * The value without its broadcasts: broadcastLike is stripped and elementwise ops rebuilt on the
 * stripped arguments, so -broadcastLike(1/n, ..) becomes the scalar -(1/n).
 */
function unbroadcast(n: Node): Node {
  // arguments first (postOrder), memoized: a deep graph never recurses, and each node is done once
  for (const m of postOrder([n], unbroadcastArgs))
    if (!unbroadcasts.has(m)) {
      const args = m.args.map((a) => unbroadcasts.get(a) ?? a);
      const plain = keepsBroadcasts(m) ? m : m.op === 'broadcastLike' ? args[0]! : args.every((a, i) => a === m.args[i]) ? m : makeNode(m.op, args, m.attrs);
      unbroadcasts.set(m, plain);
    }
  return unbroadcasts.get(n)!;
}
const unbroadcasts = new WeakMap<Node, Node>();
/** Leaves and ops whose value is not elementwise in their arguments stay as they are. */
const keepsBroadcasts = (n: Node): boolean =>
  n.args.length === 0 || n.op === 'sum' || n.op === 'mean' || n.op === 'softmax' || n.op === 'logSoftmax' || n.op === 'ema';
const unbroadcastArgs = (n: Node): readonly Node[] =>
  unbroadcasts.has(n) || keepsBroadcasts(n) ? [] : n.op === 'broadcastLike' ? n.args.slice(0, 1) : n.args;

/** Something n was broadcast like (a node spanning n's roles), if n holds a broadcast at its top. */
function likeOf(n: Node): Node | undefined {
  // down the first argument spanning all of n's roles, to the broadcast
  for (let m: Node | undefined = n; m !== undefined; ) {
    if (m.op === 'broadcastLike') return m.args[1];
    if (m.args.length === 0 || m.op === 'sum' || m.op === 'mean') return undefined;
    const at: Node = m;
    m = m.args.find((a) => sameRoles(a.roles, at.roles));
  }
  return undefined;
}

/** A scalar, or a scalar broadcast to some roles: [the scalar, what it was broadcast like]. */
function scalarPart(n: Node): [Node, Node | undefined] | undefined {
  if (isScalar(n)) return [n, undefined];
  const u = unbroadcast(n);
  return isScalar(u) ? [u, likeOf(n)] : undefined;
}

interface ScalarProduct {
  /** The scalar factor, unbroadcast. */
  readonly s: Node;
  /** The tensor factor. */
  readonly x: Node;
  /** What the scalar was broadcast like, if it was. */
  readonly like: Node | undefined;
}

/** s * x with exactly one factor a (possibly broadcast) scalar. */
function scalarTimes(n: Node): ScalarProduct | undefined {
  if (n.op !== 'mul') return undefined;
  const [a, b] = n.args as [Node, Node];
  const pa = scalarPart(a);
  const pb = scalarPart(b);
  if (pa && !pb) return { s: pa[0], x: b, like: pa[1] };
  if (pb && !pa) return { s: pb[0], x: a, like: pb[1] };
  return undefined;
}

/** The roles a value will physically span once lowered (a broadcast is left to ONNX broadcasting). */
function physicalRoles(n: Node): Roles {
  let m = n;
  while (m.op === 'broadcastLike') m = m.args[0]!;
  return m.roles;
}
const smaller = (a: Roles, b: Roles): boolean => includesRoles(b, a) && a.length < b.length;

/** A node spanning `roles` for broadcastLike to copy (never lowered: broadcasts emit nothing). */
function witness(from: Node, roles: Roles): Node {
  // |from| is no one-hot, so no rule rewrites the witness itself
  return makeNode('mean', [makeNode('abs', [from])], { roles: from.roles.filter((r) => !roles.includes(r)) });
}

/** `out` with `node`'s roles (re-broadcast like `like` when the rewrite dropped a broadcast), or undefined. */
function fit(out: Node, node: Node, like: Node | undefined): Node | undefined {
  if (sameRoles(out.roles, node.roles)) return out;
  if (like && includesRoles(like.roles, out.roles) && sameRoles(unionRoles(out.roles, like.roles), node.roles))
    return broadcastLike(out, like);
  return undefined;
}

const reduceRewrite =
  (op: 'sum' | 'mean'): Rewrite =>
  (node, facts) => {
    const [x] = node.args as [Node];
    const roles = node.attrs.roles!;
    // sum_c onehot = 1, so a sum over class and R is size(R); a mean over class is 1/C
    if (roles.includes('class') && facts.isOneHot(x)) {
      const rest = roles.filter((r) => r !== 'class');
      const total = op === 'sum' ? (rest.length > 0 ? size(rest) : constant(1)) : div(1, size(['class']));
      return fit(total, node, node.roles.length > 0 ? witness(x, node.roles) : undefined);
    }
    // sum_R(a * onehot) = sum_(R-class)(a) for a spanning no class (sum_c onehot = 1)
    if (op === 'sum' && roles.includes('class') && x.op === 'mul') {
      const [a, b] = x.args as [Node, Node];
      const [hot, w] = facts.isOneHot(a) ? [a, b] : facts.isOneHot(b) ? [b, a] : [];
      const rest = roles.filter((r) => r !== 'class');
      if (hot && w && !w.roles.includes('class') && includesRoles(w.roles, rest) && includesRoles(hot.roles, roles))
        return fit(rest.length > 0 ? reduce('sum', w, rest) : w, node, witness(hot, node.roles));
    }
    // sum_R(onehot * logsoftmax z) = sum_(R-class)(sum_c(onehot * z) - lse(z)), lse = mean_c(z - logsoftmax z)
    // (sum_c onehot = 1): no log-softmax tensor, only the per-pixel log-sum-exp. The difference is
    // taken per pixel, where the lowering computes it as (z_y - max) - log sum e^(z - max) (two
    // terms of one sign); summed over the pixels first, two large float32 sums would cancel.
    if (op === 'sum' && roles.includes('class') && x.op === 'mul') {
      const [a, b] = x.args as [Node, Node];
      const [hot, ls] = facts.isOneHot(a) && b.op === 'logSoftmax' ? [a, b] : facts.isOneHot(b) && a.op === 'logSoftmax' ? [b, a] : [];
      if (hot && ls && includesRoles(hot.roles, roles)) {
        const z = ls.args[0]!;
        const lse = makeNode('mean', [makeNode('sub', [z, ls])], { roles: ['class'] });
        const rest = roles.filter((r) => r !== 'class');
        const picked = makeNode('sub', [reduce('sum', mul(hot, z), ['class']), lse]);
        return fit(rest.length > 0 ? reduce('sum', picked, rest) : picked, node, undefined);
      }
    }
    // sum(sum(y) - b) = sum(sum(y)) - sum(b) when a side is itself a reduction (the two then merge);
    // not for y - lse(z) or lse(z) - y, a log-probability whose two sides are large and nearly equal
    if (
      x.op === 'sub' &&
      x.args.some((a) => a.op === 'sum' || a.op === 'mean') &&
      x.args.every((a) => includesRoles(a.roles, roles)) &&
      !x.args.some((a) => logSumExpOperand(a))
    )
      return makeNode('sub', [reduce(op, x.args[0]!, roles), reduce(op, x.args[1]!, roles)]);
    // sum(-x) = -sum(x): the negation runs on the reduced value
    if (x.op === 'neg') return neg(reduce(op, x.args[0]!, roles));
    // sum(s x) = s sum(x) for a scalar s (x must span the reduced roles itself)
    const st = scalarTimes(x);
    if (st && includesRoles(st.x.roles, roles)) return fit(mul(st.s, reduce(op, st.x, roles)), node, undefined);
    // (a log-sum-exp mean_c(z - logsoftmax z) stays whole: it lowers to a per-pixel tensor)
    if ((x.op === 'sum' || x.op === 'mean') && !logSumExpOperand(x)) {
      const inner = x.args[0]!;
      const all = unionRoles(roles, x.attrs.roles!);
      // sum(sum(y, R1), R2) = sum(y, R1+R2); mean(mean(y, R1), R2) = mean(y, R1+R2)
      if (x.op === op) return reduce(op, inner, all);
      // mean(sum(y, R1), R2) = sum(y, R1+R2) / size(R2): the gradient of the mean needs size(R2) anyway
      if (op === 'mean') return div(reduce('sum', inner, all), size(roles));
    }
    return undefined;
  };

/** a x ± a y = a (x ± y): one product on the full tensor instead of two */
function commonFactor(op: 'add' | 'sub', p: Node, q: Node): Node | undefined {
  if (p.op !== 'mul' || q.op !== 'mul') return undefined;
  for (const [i, j] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const)
    if (p.args[i] === q.args[j]) {
      const a = p.args[i]!;
      const rest = makeNode(op, [p.args[1 - i]!, q.args[1 - j]!]);
      return mul(a, rest);
    }
  // the same scalar factor under different broadcasts: s x ± s y = s (x ± y)
  const sp = scalarTimes(p);
  const sq = scalarTimes(q);
  if (sp && sq && sp.s === sq.s) {
    const out = mul(sp.s, makeNode(op, [sp.x, sq.x]));
    return sameRoles(out.roles, unionRoles(p.roles, q.roles)) ? out : undefined;
  }
  return undefined;
}

export const LOWERING_REWRITES: Partial<Record<Op, Rewrite>> = {
  // e^(logsoftmax x) = softmax x: one node either way, and it is the Softmax the graph already has
  exp: (node) => (node.args[0]!.op === 'logSoftmax' ? softmax(node.args[0]!.args[0]!) : undefined),
  sum: reduceRewrite('sum'),
  mean: reduceRewrite('mean'),
  mul: (node) => {
    // x * 1 = x
    const [a, b] = node.args as [Node, Node];
    const isOne = (n: Node) => {
      const u = unbroadcast(n);
      return u.op === 'const' && u.attrs.value === 1;
    };
    if (isOne(b)) return fit(a, node, likeOf(b));
    if (isOne(a)) return fit(b, node, likeOf(a));
    const st = scalarTimes(node);
    if (!st) return undefined;
    const { s, x, like } = st;
    // s (k x) = (s k) x for scalars s, k: the scalars multiply first
    const inner = scalarTimes(x);
    if (inner) return fit(mul(mul(s, inner.s), inner.x), node, like ?? inner.like);
    // s (x / t) = (s / t) x for scalars s, t
    const t = x.op === 'div' ? scalarPart(x.args[1]!) : undefined;
    if (t && !scalarPart(x.args[0]!)) return fit(mul(div(s, t[0]), x.args[0]!), node, like ?? t[1]);
    return undefined;
  },
  add: (node) => {
    const [p, q] = node.args as [Node, Node];
    const direct = commonFactor('add', p, q);
    if (direct) return direct;
    // a x + (b - a y) = a (x - y) + b, in either order
    for (const [m, s] of [
      [p, q],
      [q, p],
    ] as const)
      if (s.op === 'sub') {
        const folded = commonFactor('sub', m, s.args[1]!);
        if (folded) return makeNode('add', [folded, s.args[0]!]);
      }
    return undefined;
  },
  sub: (node) => {
    const [p, q] = node.args as [Node, Node];
    const factored = commonFactor('sub', p, q);
    if (factored) return factored;
    // (x - a) - b = x - (a + b) when a and b are smaller than x: the sum runs on the small tensors
    if (p.op === 'sub') {
      const [x, a] = p.args as [Node, Node];
      const big = physicalRoles(x);
      if (smaller(physicalRoles(a), big) && smaller(physicalRoles(q), big)) return fit(makeNode('sub', [x, makeNode('add', [a, q])]), node, undefined);
    }
    return undefined;
  },
};

/**
 * Applies LOWERING_REWRITES bottom-up over all roots together (one memo, so shared nodes stay
 * shared) until nothing changes.
 */
export function prepareForLowering(
  roots: readonly Node[],
  facts: RewriteFacts = NO_FACTS,
  rewrites = LOWERING_REWRITES,
  maxPasses = 16,
): Node[] {
  let current = [...roots];
  for (let pass = 0; pass < maxPasses; pass++) {
    const next = rewrite(current, (node, args) => {
      let n = makeNode(node.op, args, node.attrs);
      for (let i = 0; i < 8; i++) {
        const r = tryRewrite(rewrites[n.op], n, facts);
        if (!r || r === n) break;
        n = r;
      }
      return n;
    });
    if (next.every((n, i) => n === current[i])) return next;
    current = next;
  }
  return current;
}

/** A rewrite whose result would not type-check (a reduction over roles its operand lacks) does not apply. */
function tryRewrite(rule: Rewrite | undefined, node: Node, facts: RewriteFacts): Node | undefined {
  if (!rule) return undefined;
  try {
    return rule(node, facts);
  } catch (error) {
    if (error instanceof ShapeError) return undefined;
    throw error;
  }
}
