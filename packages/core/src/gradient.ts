import {
  add,
  broadcastLike,
  constant,
  cumsum,
  div,
  exp,
  gt,
  le,
  ge,
  log,
  mul,
  neg,
  pow,
  sigmoid,
  sign,
  size,
  sortBy,
  square,
  sub,
  sum,
  unsortBy,
  where,
} from './builders.js';
import { emaInputScale } from './ema.js';
import { type Node, topoSort } from './ir/node.js';
import type { Op } from './ir/ops.js';
import { includesRoles, minusRoles } from './ir/roles.js';
import { simplify } from './simplify.js';

/**
 * The adjoint contribution to one argument: given the upstream gradient g, the node's own
 * output `out`, and its arguments. `null`: that argument gets no gradient.
 */
type ArgRule = ((g: Node, out: Node, ...args: Node[]) => Node) | null;

/**
 * One rule per op, one entry per argument. A missing op is a compile error.
 *
 * @example
 * ```ts
 * import { GRADIENT_RULES } from '@losskit/core';
 * GRADIENT_RULES.exp.length; // 1: one rule per argument
 * GRADIENT_RULES.sign; // [null]: no gradient
 * ```
 */
export const GRADIENT_RULES = {
  const: [],
  input: [],
  param: [],
  state: [],
  size: [],
  neg: [(g) => neg(g)], // d(-x) = -1
  exp: [(g, out) => mul(g, out)], // d e^x = e^x
  log: [(g, _, x) => div(g, x!)], // d log x = 1/x
  log1p: [(g, _, x) => div(g, add(1, x!))], // d log(1+x) = 1/(1+x)
  sqrt: [(g, out) => div(g, mul(2, out))], // d sqrt x = 1/(2 sqrt x)
  abs: [(g, _, x) => mul(g, sign(x!))], // d |x| = sign x (0 at 0)
  sign: [null],
  square: [(g, _, x) => mul(g, mul(2, x!))], // d x^2 = 2x
  relu: [(g, _, x) => where(gt(x!, 0), g, 0)], // d relu x = [x > 0]
  elu: [(g, out, x) => where(gt(x!, 0), g, mul(g, add(out, out.attrs.alpha!)))], // x<=0: alpha e^x = elu(x) + alpha
  sigmoid: [(g, out) => mul(g, mul(out, sub(1, out)))], // d s(x) = s(x)(1 - s(x))
  softplus: [(g, _, x) => mul(g, sigmoid(x!))], // d log(1+e^x) = s(x)
  tanh: [(g, out) => mul(g, sub(1, square(out)))], // d tanh x = 1 - tanh^2 x
  stopGradient: [null],
  add: [(g) => g, (g) => g],
  sub: [(g) => g, (g) => neg(g)],
  mul: [(g, _, __, b) => mul(g, b!), (g, _, a) => mul(g, a!)],
  // d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -(a/b)/b
  div: [(g, _, __, b) => div(g, b!), (g, out, _, b) => neg(div(mul(g, out), b!))],
  // d a^b/da = b a^(b-1);  d a^b/db = a^b log a
  pow: [(g, _, a, b) => mul(g, mul(b!, pow(a!, sub(b!, 1)))), (g, out, a) => mul(g, mul(out, log(a!)))],
  min: [(g, _, a, b) => where(le(a!, b!), g, 0), (g, _, a, b) => where(le(a!, b!), 0, g)], // a wins ties
  max: [(g, _, a, b) => where(ge(a!, b!), g, 0), (g, _, a, b) => where(ge(a!, b!), 0, g)], // a wins ties
  gt: [null, null],
  ge: [null, null],
  lt: [null, null],
  le: [null, null],
  eq: [null, null],
  where: [null, (g, _, c) => where(c!, g, 0), (g, _, c) => where(c!, 0, g)],
  sum: [(g, _, x) => broadcastLike(g, x!)], // each summand gets g
  mean: [(g, out, x) => broadcastLike(div(g, size(out.attrs.roles!)), x!)], // each gets g/n
  // y = softmax x: dx = y (g - sum_class(g y))
  softmax: [(g, out) => mul(out, sub(g, sum(mul(g, out), ['class'])))],
  // y = logsoftmax x: dx = g - softmax(x) sum_class(g), softmax(x) = e^y
  logSoftmax: [(g, out) => sub(g, mul(exp(out), sum(g, ['class'])))],
  // the permutation is piecewise constant in the key: the gradient flows back through it
  sortBy: [null, (g, out, k) => unsortBy(k!, g, out.attrs.roles!)],
  unsortBy: [null, (g, out, k) => sortBy(k!, g, out.attrs.roles!)],
  // y_i = sum_{j<=i} x_j: dx_j = sum_{i>=j} g_i = sum(g) - cumsum(g)_j + g_j
  cumsum: [(g, out) => add(sub(broadcastLike(sum(g, out.attrs.roles!), g), cumsum(g, out.attrs.roles!)), g)],
  broadcastLike: [(g) => g, null], // summed back over the broadcast roles by `unbroadcast`
  ema: [(g, out) => mul(g, emaInputScale(out)), null], // decay is a hyperparameter: no gradient
} satisfies Record<Op, readonly ArgRule[]>;

/** A contribution shaped like its argument: sum over roles the argument lacks, expand over roles it has. */
function unbroadcast(contribution: Node, arg: Node): Node {
  const summed = sum(contribution, minusRoles(contribution.roles, arg.roles));
  return includesRoles(summed.roles, arg.roles) ? summed : broadcastLike(summed, arg);
}

/**
 * Options of `gradient`.
 *
 * @example
 * ```ts
 * import { gradient, type GradientOptions, input, square } from '@losskit/core';
 * const options: GradientOptions = { simplify: false }; // the raw chain-rule graph
 * const raw = gradient(square(input('x')), input('x'), options);
 * ```
 */
export interface GradientOptions {
  /** Simplify the result (default true). */
  simplify?: boolean;
}

/**
 * Reverse-mode symbolic derivative of `root` with respect to each node in `wrt` (inputs,
 * params or any subexpression). A non-scalar root is differentiated as sum(root). The result
 * is IR again, so it can be simplified, printed, compiled, and differentiated once more.
 *
 * @example
 * ```ts
 * import { gradient, input, mul, print, sum } from '@losskit/core';
 * const x = input('x');
 * const w = input('w');
 * const [dx, dw] = gradient(sum(mul(w, x, x)), [x, w]);
 * print(dx!); // 2 w x, as an expression
 * ```
 */
export function gradient(root: Node, wrt: Node, options?: GradientOptions): Node;
export function gradient(root: Node, wrt: readonly Node[], options?: GradientOptions): Node[];
export function gradient(root: Node, wrt: Node | readonly Node[], options: GradientOptions = {}): Node | Node[] {
  const targets = Array.isArray(wrt) ? (wrt as readonly Node[]) : [wrt as Node];
  const order = topoSort([root]);
  const targetSet = new Set(targets);
  // only walk into arguments that lead to a target
  const leadsToTarget = new Set<Node>();
  for (const node of order)
    if (targetSet.has(node) || node.args.some((a) => leadsToTarget.has(a))) leadsToTarget.add(node);

  const adjoints = new Map<Node, Node[]>();
  const seed = root.roles.length === 0 ? constant(1) : broadcastLike(1, root);
  adjoints.set(root, [seed]);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    const parts = adjoints.get(node);
    if (!parts || !leadsToTarget.has(node)) continue;
    const g = sumOf(parts);
    adjoints.set(node, [g]);
    const rules: readonly ArgRule[] = GRADIENT_RULES[node.op];
    node.args.forEach((arg, k) => {
      const rule = rules[k];
      if (!rule || !leadsToTarget.has(arg)) return;
      const contribution = unbroadcast(rule(g, node, ...node.args), arg);
      const list = adjoints.get(arg);
      if (list) list.push(contribution);
      else adjoints.set(arg, [contribution]);
    });
  }
  const results = targets.map((t) => {
    const parts = adjoints.get(t);
    const g = parts ? sumOf(parts) : zerosLike(t);
    return options.simplify === false ? g : simplify(g);
  });
  return Array.isArray(wrt) ? results : results[0]!;
}

/** parts[0] + parts[1] + ..., a left fold like `add(...parts)` without spreading a long list into a call. */
function sumOf(parts: readonly Node[]): Node {
  let total = parts[0]!;
  for (let i = 1; i < parts.length; i++) total = add(total, parts[i]!);
  return total;
}

function zerosLike(node: Node): Node {
  return node.roles.length === 0 ? constant(0) : broadcastLike(0, node);
}
