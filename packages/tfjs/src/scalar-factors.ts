import { type Node, div, makeNode, mul, neg, rewrite } from '@losskit/core';

const isScalar = (n: Node): boolean => n.roles.length === 0;
/** The scalar a node holds: itself, or the scalar a lazy broadcastLike spreads (no pass over memory). */
const scalarOf = (n: Node): Node | undefined =>
  isScalar(n) ? n : n.op === 'broadcastLike' && isScalar(n.args[0]!) ? n.args[0] : undefined;

/** Splits a node into scalar factor times a tensor when it is s*X, X*s or -X (s scalar, X not). */
function split(n: Node): { factor: Node; tensor: Node } | undefined {
  if (scalarOf(n)) return undefined;
  if (n.op === 'mul') {
    const [a, b] = n.args as [Node, Node];
    const sa = scalarOf(a);
    const sb = scalarOf(b);
    if (sa && !sb) return { factor: sa, tensor: b };
    if (sb && !sa) return { factor: sb, tensor: a };
  }
  if (n.op === 'neg') return { factor: neg(1), tensor: n.args[0]! };
  return undefined;
}

/**
 * Rewrites that move scalar factors together so they multiply each other (cheap scalar kernels)
 * instead of each making a pass over a whole tensor. Each keeps the value up to rounding:
 *   s*(t*X) -> (s*t)*X,   -(t*X) -> (-t)*X,   (t*X)/s -> (t/s)*X   (s, t scalars).
 */
const RULES: ReadonlyArray<(n: Node) => Node | undefined> = [
  // s*(t*X) -> (s*t)*X
  (n) => {
    if (n.op !== 'mul') return undefined;
    const [a, b] = n.args as [Node, Node];
    const [s, inner] = scalarOf(a) ? [scalarOf(a), b] : scalarOf(b) ? [scalarOf(b), a] : [undefined, undefined];
    const parts = inner && split(inner);
    return s && parts ? mul(mul(s, parts.factor), parts.tensor) : undefined;
  },
  // -(t*X) -> (-t)*X
  (n) => {
    if (n.op !== 'neg') return undefined;
    const parts = split(n.args[0]!);
    return parts && parts.factor.op !== 'neg' ? mul(neg(parts.factor), parts.tensor) : undefined;
  },
  // (t*X)/s -> (t/s)*X
  (n) => {
    const s = n.op === 'div' ? scalarOf(n.args[1]!) : undefined;
    const parts = s && split(n.args[0]!);
    return s && parts ? mul(div(parts.factor, s), parts.tensor) : undefined;
  },
];

/** The roots with scalar factors gathered (see RULES), shared subexpressions kept shared. */
export function gatherScalarFactors(roots: readonly Node[]): Node[] {
  return rewrite(roots, (node, args) => {
    let n = args.every((a, i) => a === node.args[i]) ? node : makeNode(node.op, args, node.attrs);
    for (let i = 0; i < 8; i++) {
      const next = RULES.reduce<Node | undefined>((found, r) => found ?? r(n), undefined);
      if (!next) break;
      n = next;
    }
    return n;
  });
}
