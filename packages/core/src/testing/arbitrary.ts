/**
 * fast-check arbitraries of random, role-valid expression graphs, shared by the core's
 * property tests (parse/print round trip, simplify keeps the value, gradients).
 * Test-only: imports fast-check, and is not exported from the package index.
 */
import * as fc from 'fast-check';
import {
  add,
  broadcastLike,
  constant,
  elu,
  ema,
  input,
  logSoftmax,
  mean,
  mul,
  param,
  size,
  softmax,
  state,
  sum,
  where,
} from '../builders.js';
import { type Node, leaves, makeNode } from '../ir/node.js';
import { BINARY_OPS, COMPARE_OPS, type Op, UNARY_OPS } from '../ir/ops.js';
import { ROLES, type Role } from '../ir/roles.js';

/** Class count the per-class leaves assume (per-class constants have this length). */
export const ARBITRARY_CLASSES = 3;

/** The leaves random graphs are built over. */
export const ARBITRARY_LEAVES = {
  /** dense prediction, all roles */
  pred: input('pred'),
  /** dense target, all roles */
  target: input('target'),
  /** per-class input (class weights) */
  weights: input('weights', ['class']),
  A: param('A'),
  B: param('B', { default: 0.25 }),
  /** a scalar state slot with a plain name */
  count: state('count', []),
  /** a per-class state slot whose name needs spelling out: state("ema.mean", ["class"]) */
  moving: state('ema.mean', ['class']),
} as const;

/** Every non-leaf op the arbitrary can produce, and the leaf kinds. */
export const ARBITRARY_OPS: readonly Op[] = [
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...COMPARE_OPS,
  'where',
  'sum',
  'mean',
  'softmax',
  'logSoftmax',
  'broadcastLike',
  'ema',
];

export interface ExpressionArbitraryOptions {
  /** Depth of the tree (leaves are depth 1). Default 5. */
  readonly maxDepth?: number;
  /** Non-leaf ops to use (default ARBITRARY_OPS: all of them). */
  readonly ops?: readonly Op[];
  /** Include state leaves and size(...) leaves (default true). */
  readonly stateAndSize?: boolean;
  /** Scalar constants (default: a few special values and doubles in [-10, 10], -0 included). */
  readonly constants?: fc.Arbitrary<number>;
  /** Include per-class constant vectors (default true). */
  readonly vectors?: boolean;
}

const defaultConstants = fc.oneof(
  fc.constantFrom(0, 1, 2, -1, 0.5, -0.5, 3, 1e-7, -0),
  fc.double({ min: -10, max: 10, noNaN: true }),
);

/** A random graph over ARBITRARY_LEAVES using every op of `options.ops`, role-valid by construction. */
export function expressionArbitrary(options: ExpressionArbitraryOptions = {}): fc.Arbitrary<Node> {
  const { maxDepth = 5, ops = ARBITRARY_OPS, stateAndSize = true, vectors = true } = options;
  const constants = options.constants ?? defaultConstants;
  const has = (op: Op): boolean => ops.includes(op);
  const { pred, target, weights, A, B, count, moving } = ARBITRARY_LEAVES;

  const leafChoices: fc.Arbitrary<Node>[] = [
    fc.constantFrom(pred, target, weights, A, B),
    constants.map((v) => constant(v)),
  ];
  if (vectors) leafChoices.push(fc.array(constants, { minLength: ARBITRARY_CLASSES, maxLength: ARBITRARY_CLASSES }).map(constant));
  if (stateAndSize) {
    leafChoices.push(fc.constantFrom(count, moving));
    leafChoices.push(fc.subarray([...ROLES]).map((roles) => size(roles)));
  }
  const leaf = fc.oneof(...leafChoices);

  const unary = UNARY_OPS.filter((op) => op !== 'elu' && has(op));
  const binary = [...BINARY_OPS, ...COMPARE_OPS].filter(has);

  const tree = fc.memo((depth: number): fc.Arbitrary<Node> => {
    if (depth <= 1) return leaf;
    const sub = tree(depth - 1);
    const choices: fc.Arbitrary<Node>[] = [leaf];
    if (unary.length > 0) choices.push(fc.tuple(fc.constantFrom(...unary), sub).map(([op, x]) => makeNode(op, [x])));
    if (has('elu')) choices.push(fc.tuple(sub, fc.constantFrom(1, 0.5, 2)).map(([x, alpha]) => elu(x, alpha)));
    if (binary.length > 0)
      choices.push(fc.tuple(fc.constantFrom(...binary), sub, sub).map(([op, a, b]) => makeNode(op, [a, b])));
    if (has('where')) choices.push(fc.tuple(sub, sub, sub).map(([c, a, b]) => where(c, a, b)));
    for (const op of ['sum', 'mean'] as const)
      if (has(op))
        choices.push(
          fc
            .tuple(sub, fc.subarray([...ROLES], { minLength: 1 }))
            .map(([x, roles]) => reduceOver(op, x, roles)),
        );
    for (const f of [softmax, logSoftmax])
      if (has(f === softmax ? 'softmax' : 'logSoftmax'))
        // the operand needs a class axis: add the per-class input when it has none
        choices.push(sub.map((x) => f(x.roles.includes('class') ? x : add(x, weights))));
    if (has('broadcastLike'))
      choices.push(
        sub.map((x) => (x.roles.every((r) => r === 'class') ? broadcastLike(x, weights) : broadcastLike(x, pred))),
      );
    if (has('ema'))
      choices.push(
        fc.tuple(sub, fc.constantFrom<Node>(constant(0.9), constant(0.5), A)).map(([x, decay]) =>
          // one slot per (x, decay): the same slot never carries two different terms
          ema(x, decay, `ema${x.id}.${decay.id}`),
        ),
      );
    return fc.oneof(...choices);
  });
  return tree(maxDepth);
}

/** sum or mean over `roles`, with the operand widened to span them when it does not. */
function reduceOver(op: 'sum' | 'mean', x: Node, roles: readonly Role[]): Node {
  const reduce = op === 'sum' ? sum : mean;
  const operand = roles.every((r) => x.roles.includes(r)) ? x : mul(x, ARBITRARY_LEAVES.pred);
  return reduce(operand, roles);
}

/** The leaves of a graph by name, as `parse` wants them in `names`. */
export function leafNames(root: Node): Record<string, Node> {
  return Object.fromEntries((['input', 'param', 'state'] as const).flatMap((op) => [...leaves([root], op)]));
}
