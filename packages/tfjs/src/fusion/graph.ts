import { BINARY_OPS, COMPARE_OPS, type Node, type Op, type Roles, UNARY_OPS, makeNode, minusRoles, topoSort, unionRoles } from '@losskit/core';

/**
 * The fusion planner's view of a core graph: every value with the roles along which it
 * physically varies (a lazy broadcast varies along fewer roles than its node spans).
 *
 * - `external`: computed by the unfused lowering (inputs, params, state, per-class constants);
 * - `literal`, `size`: inlined into the generated code (a number; a product of role sizes);
 * - `map`: one elementwise core op over its arguments;
 * - `reduce`: sum or max over `over`, a subset of the argument's roles.
 */
export interface FusedNode {
  readonly kind: 'external' | 'literal' | 'size' | 'map' | 'reduce';
  /** map: the core op; reduce: 'sum' | 'max'. */
  readonly op: string;
  readonly args: readonly FusedNode[];
  readonly roles: Roles;
  /** external: the core node the unfused lowering computes. */
  readonly source?: Node;
  /** literal: its value; map 'elu': alpha. */
  readonly value?: number;
  /** reduce: the roles removed; size: the roles whose sizes multiply. */
  readonly over?: Roles;
}

const external = (source: Node): FusedNode => ({ kind: 'external', op: source.op, args: [], roles: source.roles, source });
const literal = (value: number): FusedNode => ({ kind: 'literal', op: 'const', args: [], roles: [], value });
const size = (over: Roles): FusedNode => ({ kind: 'size', op: 'size', args: [], roles: [], over });
const map = (op: string, args: readonly FusedNode[], value?: number): FusedNode => ({
  kind: 'map',
  op,
  args,
  roles: unionRoles(...args.map((a) => a.roles)),
  ...(value === undefined ? {} : { value }),
});
const reduce = (op: 'sum' | 'max', x: FusedNode, over: Roles): FusedNode => ({
  kind: 'reduce',
  op,
  args: [x],
  roles: minusRoles(x.roles, over),
  over,
});

type Convert = (node: Node, get: (n: Node) => FusedNode, fusible: (op: Op) => boolean) => FusedNode;

const elementwise: Convert = (node, get) => map(node.op, node.args.map(get));
const identity: Convert = (node, get) => get(node.args[0]!);

/**
 * sum / mean over roles Q of x that varies along R: only Q ∩ R needs a pass; x is constant along
 * Q \ R, so a sum there multiplies by its size and a mean changes nothing.
 */
const reduction =
  (kind: 'sum' | 'mean'): Convert =>
  (node, get) => {
    const x = get(node.args[0]!);
    const roles = node.attrs.roles!;
    const summed = roles.filter((r) => x.roles.includes(r));
    const repeated = minusRoles(roles, summed);
    const total = summed.length > 0 ? reduce('sum', x, summed) : x;
    if (kind === 'sum') return repeated.length > 0 ? map('mul', [total, size(repeated)]) : total;
    return summed.length > 0 ? map('div', [total, size(summed)]) : total;
  };

/** The pieces of a max-shifted log softmax along class: d = x - max(x), e = exp(d), s = sum(e). */
interface SoftmaxParts {
  readonly shifted: FusedNode;
  readonly exps: FusedNode;
  readonly total: FusedNode;
}
const softmaxParts = new WeakMap<FusedNode, SoftmaxParts>();
function partsOf(x: FusedNode): SoftmaxParts {
  let p = softmaxParts.get(x);
  if (!p) {
    const shifted = map('sub', [x, reduce('max', x, ['class'])]);
    const exps = map('exp', [shifted]);
    p = { shifted, exps, total: reduce('sum', exps, ['class']) };
    softmaxParts.set(x, p);
  }
  return p;
}

/** log softmax along class: d - log(sum(exp(d))) with d = x - max(x), so exp never overflows. */
const logSoftmax: Convert = (node, get) => {
  const x = get(node.args[0]!);
  if (!x.roles.includes('class')) return external(node); // constant along class: the unfused lowering
  const { shifted, total } = partsOf(x);
  return map('sub', [shifted, map('log', [total])]);
};

/**
 * exp; of a log softmax, the softmax e/s from the same e = exp(d) its sum used (one exp per
 * element, not two).
 */
const exp: Convert = (node, get, fusible) => {
  const arg = node.args[0]!;
  if (arg.op === 'logSoftmax' && fusible('logSoftmax')) {
    const x = get(arg.args[0]!);
    if (x.roles.includes('class')) {
      const { exps, total } = partsOf(x);
      return map('div', [exps, total]);
    }
  }
  return map('exp', [get(arg)]);
};

/**
 * How each core op enters the fused graph. Ops absent here (and any op whose lowering a caller
 * replaced) stay with the unfused lowering: the order ops (sortBy, unsortBy, cumsum) on purpose, as
 * a sort or scan over a whole role is no per-element loop, so they bound the clusters around them.
 */
const CONVERT: Partial<Record<Op, Convert>> = {
  // every elementwise op is one map; the entries below it replace the ones that need more
  ...Object.fromEntries([...UNARY_OPS, ...BINARY_OPS, ...COMPARE_OPS, 'where'].map((op) => [op, elementwise])),
  const: (node) => (typeof node.attrs.value === 'number' ? literal(node.attrs.value) : external(node)),
  input: external,
  param: external,
  state: external,
  size: (node) => size(node.attrs.roles!),
  elu: (node, get) => map('elu', [get(node.args[0]!)], node.attrs.alpha!),
  stopGradient: identity, // fusion runs only when no tape records, so it is the identity
  broadcastLike: identity, // lazy: the value broadcasts where it is used
  sum: reduction('sum'),
  mean: reduction('mean'),
  logSoftmax,
  exp,
  // softmax = exp(log softmax), the node cross-entropy's gradient shares
  softmax: (node, get) => get(makeNode('exp', [makeNode('logSoftmax', node.args)])),
};

/**
 * The fused graph of some roots. `fusible(op)` says whether an op may be converted (callers pass
 * false for ops whose lowering they replaced); anything else becomes `external`.
 */
export function toFusedGraph(roots: readonly Node[], fusible: (op: Op) => boolean): FusedNode[] {
  const memo = new Map<Node, FusedNode>();
  const get = (node: Node): FusedNode => {
    let f = memo.get(node);
    if (!f) {
      const convert = fusible(node.op) ? CONVERT[node.op] : undefined;
      f = convert ? convert(node, get, fusible) : external(node);
      memo.set(node, f);
    }
    return f;
  };
  // arguments first, so each conversion finds its arguments converted and a deep chain never recurses
  for (const node of topoSort(roots)) get(node);
  return roots.map(get);
}
