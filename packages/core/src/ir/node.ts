import { postOrder } from './post-order.js';
import { ARITY, type Op, isBinaryOp, isClassOp, isCompareOp, isReduceOp, isUnaryOp } from './ops.js';
import {
  ALL_ROLES,
  NO_ROLES,
  type Roles,
  canonicalRoles,
  formatRoles,
  includesRoles,
  minusRoles,
  unionRoles,
} from './roles.js';

/**
 * Op-specific data. Only the fields an op uses are set.
 *
 * @example
 * ```ts
 * import { type Attrs, makeNode } from '@losskit/core';
 * const attrs: Attrs = { name: 'A', default: 0.25 };
 * const A = makeNode('param', [], attrs);
 * ```
 */
export interface Attrs {
  /** const: a scalar, or a per-class vector. */
  readonly value?: number | readonly number[];
  /** input, param, state: the name the caller binds a value to. */
  readonly name?: string;
  /** input, state: the roles the tensor spans. sum, mean, size: the roles reduced or counted. sortBy, unsortBy, cumsum: the roles ordered along. */
  readonly roles?: Roles;
  /** param: the value used when the caller binds none. */
  readonly default?: number;
  /** elu: the negative-side scale. */
  readonly alpha?: number;
  /** ema: the state slot that carries the moving average between steps. */
  readonly slot?: string;
}

/**
 * One immutable, interned node: structurally equal graphs are the same object, so common
 * subexpressions are shared for free and memo tables can be keyed by node.
 *
 * @example
 * ```ts
 * import { input, mul, type Node } from '@losskit/core';
 * const a: Node = mul(input('x'), 2);
 * const b: Node = mul(input('x'), 2);
 * a === b; // true: nodes are interned
 * ```
 */
export interface Node {
  readonly id: number;
  readonly op: Op;
  readonly args: readonly Node[];
  readonly attrs: Attrs;
  /** The axis roles the value spans (inferred). */
  readonly roles: Roles;
}

/**
 * Tensors whose roles or sizes do not fit together (names the roles and sizes involved).
 *
 * @example
 * ```ts
 * import { ShapeError, evaluate, input, add } from '@losskit/core';
 * try {
 *   evaluate(add(input('a'), input('b')), {
 *     inputs: { a: { shape: [2, 1, 1, 1], data: [1, 2] }, b: { shape: [3, 1, 1, 1], data: [1, 2, 3] } },
 *   });
 * } catch (error) {
 *   if (error instanceof ShapeError) console.error(error.message); // batch size 2 vs 3
 * }
 * ```
 */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

// Weak, so graphs nobody holds any more can be collected; the registry drops their keys.
const table = new Map<string, WeakRef<Node>>();
const registry = new FinalizationRegistry<string>((key) => {
  if (table.get(key)?.deref() === undefined) table.delete(key);
});
let nextId = 0;

function numberKey(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function attrsKey(attrs: Attrs): string {
  const parts: string[] = [];
  if (attrs.value !== undefined)
    parts.push(typeof attrs.value === 'number' ? numberKey(attrs.value) : `[${attrs.value.map(numberKey).join(',')}]`);
  if (attrs.name !== undefined) parts.push(JSON.stringify(attrs.name));
  if (attrs.roles !== undefined) parts.push(attrs.roles.join('+'));
  if (attrs.default !== undefined) parts.push(`d=${numberKey(attrs.default)}`);
  if (attrs.alpha !== undefined) parts.push(`a=${numberKey(attrs.alpha)}`);
  if (attrs.slot !== undefined) parts.push(`s=${JSON.stringify(attrs.slot)}`);
  return parts.join(';');
}

/**
 * Makes (or finds) the node for `op(args)` with `attrs`, inferring and checking its roles.
 *
 * @example
 * ```ts
 * import { input, makeNode } from '@losskit/core';
 * const y = makeNode('exp', [input('x')]); // the same node as exp(input('x'))
 * ```
 */
export function makeNode(op: Op, args: readonly Node[], attrs: Attrs = {}): Node {
  if (args.length !== ARITY[op]) throw new Error(`${op} takes ${ARITY[op]} argument(s), got ${args.length}`);
  const key = `${op}{${attrsKey(attrs)}}(${args.map((a) => a.id).join(',')})`;
  const found = table.get(key)?.deref();
  if (found) return found;
  const node: Node = Object.freeze({
    id: nextId++,
    op,
    args: Object.freeze([...args]),
    attrs: Object.freeze({ ...attrs }),
    roles: inferRoles(op, args, attrs),
  });
  table.set(key, new WeakRef(node));
  registry.register(node, key);
  return node;
}

function inferRoles(op: Op, args: readonly Node[], attrs: Attrs): Roles {
  const [a, b, c] = args;
  switch (true) {
    case op === 'const':
      return typeof attrs.value === 'number' ? NO_ROLES : ['class'];
    case op === 'input' || op === 'state':
      return canonicalRoles(attrs.roles ?? ALL_ROLES);
    case op === 'param' || op === 'size':
      return NO_ROLES;
    case isUnaryOp(op):
      return a!.roles;
    case isBinaryOp(op) || isCompareOp(op):
      return unionRoles(a!.roles, b!.roles);
    case op === 'where':
      return unionRoles(a!.roles, b!.roles, c!.roles);
    case isReduceOp(op): {
      const reduced = attrs.roles ?? a!.roles;
      if (!includesRoles(a!.roles, reduced))
        throw new ShapeError(
          `${op} over ${formatRoles(reduced)}, but its operand spans ${formatRoles(a!.roles)} (${describe(a!)})`,
        );
      return minusRoles(a!.roles, reduced);
    }
    case isClassOp(op):
      if (!a!.roles.includes('class'))
        throw new ShapeError(`${op} needs an operand with a class axis, got ${formatRoles(a!.roles)} (${describe(a!)})`);
      return a!.roles;
    case op === 'sortBy' || op === 'unsortBy' || op === 'cumsum': {
      const along = attrs.roles ?? [];
      const spans = a!.roles;
      if (along.length === 0 || !includesRoles(spans, along))
        throw new ShapeError(`${op} along ${formatRoles(along)}: give roles its operand spans (${formatRoles(spans)}, ${describe(a!)})`);
      if (b && !includesRoles(spans, b.roles))
        throw new ShapeError(`${op}: the permuted value spans ${formatRoles(b.roles)}, more than its key ${formatRoles(spans)}`);
      return spans;
    }
    case op === 'broadcastLike':
      if (!includesRoles(b!.roles, a!.roles))
        throw new ShapeError(`cannot broadcast ${formatRoles(a!.roles)} to ${formatRoles(b!.roles)}`);
      return b!.roles;
    case op === 'ema':
      if (b!.roles.length > 0) throw new ShapeError(`ema decay must be a scalar, got ${formatRoles(b!.roles)}`);
      return a!.roles;
    default:
      throw new Error(`no role rule for op ${op}`);
  }
}

/** A short human description of a node for error messages. */
export function describe(node: Node): string {
  const { name } = node.attrs;
  return name !== undefined ? `${node.op} '${name}'` : node.op;
}

/**
 * Every node reachable from the roots, each once, arguments before users.
 *
 * @example
 * ```ts
 * import { exp, input, topoSort } from '@losskit/core';
 * topoSort([exp(input('x'))]).map((n) => n.op); // ['input', 'exp']: arguments first
 * ```
 */
export function topoSort(roots: readonly Node[]): Node[] {
  return postOrder(roots, argsOf);
}

const argsOf = (node: Node): readonly Node[] => node.args;

/**
 * Number of distinct nodes in the graph (shared subexpressions count once).
 *
 * @example
 * ```ts
 * import { add, input, mul, nodeCount } from '@losskit/core';
 * const x = input('x');
 * nodeCount(add(mul(x, x), mul(x, x))); // 3: x, x*x (shared) and the sum
 * ```
 */
export function nodeCount(...roots: Node[]): number {
  return topoSort(roots).length;
}

/**
 * The leaves of a graph of the given op (inputs, params, states), by name.
 *
 * @example
 * ```ts
 * import { add, input, leaves, param } from '@losskit/core';
 * const found = leaves([add(input('pred'), param('A'))], 'input');
 * [...found.keys()]; // ['pred']
 * ```
 */
export function leaves(roots: readonly Node[], op: 'input' | 'param' | 'state'): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const node of topoSort(roots)) if (node.op === op) found.set(node.attrs.name!, node);
  return found;
}

/**
 * Rebuilds a graph bottom-up, replacing each node by `f(node, newArgs)` (memoized).
 *
 * @example
 * ```ts
 * import { exp, input, log, makeNode, print, rewrite } from '@losskit/core';
 * const [out] = rewrite([log(exp(input('x')))], (node, args) =>
 *   node.op === 'log' && args[0]!.op === 'exp' ? args[0]!.args[0]! : makeNode(node.op, args, node.attrs),
 * );
 * print(out!); // x
 * ```
 */
export function rewrite(roots: readonly Node[], f: (node: Node, args: readonly Node[]) => Node): Node[] {
  const done = new Map<Node, Node>();
  for (const node of topoSort(roots)) {
    const args = node.args.map((a) => done.get(a)!);
    const same = args.every((a, i) => a === node.args[i]);
    done.set(node, f(node, same ? node.args : args));
  }
  return roots.map((r) => done.get(r)!);
}

/** Same node with new arguments. */
export function withArgs(node: Node, args: readonly Node[]): Node {
  return args.every((a, i) => a === node.args[i]) ? node : makeNode(node.op, args, node.attrs);
}
