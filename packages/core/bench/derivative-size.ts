/**
 * Derivative size and speed: for the paper's Eqs. (1)-(9) and a few more, written as scalar
 * formulas in L1, L2, A, B, time parse (build), simplify, and the reverse-mode derivative
 * w.r.t. L1, L2 and A (one pass, simplified), and count the nodes of each simplified derivative
 * next to mathjs's `simplify(derivative(expr, v))` of the same formula text.
 *
 *   pnpm --filter @losskit/core bench
 *
 * Prints a markdown table (copied into the package README) and a verdict line.
 */
import { type MathNode, derivative, parse as mathjsParse, simplify as mathjsSimplify } from 'mathjs';
import {
  type Node,
  evaluateScalar,
  gradient,
  input,
  nodeCount,
  param,
  parse,
  print,
  simplify,
} from '../src/index.js';

/** The paper's two-step formulas are read as Step2 with Step1 substituted. */
const FORMULAS: { name: string; text: string }[] = [
  { name: 'Eq. 1 convex', text: 'A*L1 + (1 - A)*L2' },
  { name: 'Eq. 2 linear', text: 'A*L1 + B*L2' },
  { name: 'Eq. 3 nonlinear exp', text: 'A*L1*exp((1 - A)*L2)' },
  { name: 'Eq. 4 EMA linear', text: 'Step1 = A*L1 - (1 - A)*L1 - B*L2; A*Step1 + B*L2' },
  { name: 'Eq. 5 EMA convex', text: 'Step1 = A*L1 - (1 - A)*L1 - B*L2; A*Step1 + (1 - A)*L2' },
  {
    name: 'Eq. 6 hybrid v2 convex',
    text: 'Step1 = A*L1 - (1 - A)*L1 - B*L2; sqrt(A*Step1 + (1 - A)*L2) + A*L1*exp((1 - A)*L2)',
  },
  { name: 'Eq. 7 hybrid v2 linear', text: 'Step1 = A*L1 - B*L1 - B*L2; A*Step1 + B*L2 + A*L1*exp(B*L2)' },
  { name: 'Eq. 8 ReLU', text: 'Step1 = A*L1 - B*L1 - B*L2; relu(A*Step1 + B*L2) + A*L1*exp(B*L2)' },
  {
    name: 'Eq. 9 Bi-eLU as printed',
    text: 'Step1 = A*L1 - B*L1 - B*L2; z = A*Step1 + B*L2; elu(z) - elu(z) + A*L1*exp(B*L2)',
  },
  {
    name: 'Eq. 9 Bi-eLU, eLU(z) - eLU(-z)',
    text: 'Step1 = A*L1 - B*L1 - B*L2; z = A*Step1 + B*L2; elu(z) - elu(-z) + A*L1*exp(B*L2)',
  },
  { name: 'Bi-ReLU', text: 'Step1 = A*L1 - B*L1 - B*L2; z = A*Step1 + B*L2; relu(z) - relu(-z) + A*L1*exp(B*L2)' },
  { name: 'Algorithm 1 terms', text: 'A*L1*exp((1 - A)*L2) + L1 + L2' },
  { name: 'geometric L1^A L2^(1-A)', text: 'L1^A * L2^(1 - A)' },
  { name: 'log-sum-exp', text: 'log(exp(A*L1) + exp(B*L2))' },
  { name: 'sqrt of squares', text: 'sqrt(L1^2 + L2^2) / (A + B)' },
  { name: 'tanh mix', text: 'tanh(A*L1) * L2 + (1 - tanh(A*L1)) * L1' },
];

const L1 = input('L1', []);
const L2 = input('L2', []);
const A = param('A');
const B = param('B');
const names = { L1, L2, A, B };
const VARIABLES = [
  ['L1', L1],
  ['L2', L2],
  ['A', A],
] as const;

/** Median wall time of `f` in microseconds over `runs` runs after `runs / 8` warm-up runs. */
function medianMicros(f: () => unknown, runs = 400): number {
  for (let i = 0; i < runs >> 3; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1]! * 1000;
}
/** mathjs's simplify takes milliseconds: fewer runs. */
const MATHJS_RUNS = 8;

/** Size of a graph written out as a tree (each use of a shared subexpression counted). */
function treeSize(root: Node, memo = new Map<Node, number>()): number {
  let n = memo.get(root);
  if (n === undefined) memo.set(root, (n = 1 + root.args.reduce((s, a) => s + treeSize(a, memo), 0)));
  return n;
}

const mathjsSize = (node: MathNode): number => node.filter((n) => n.type !== 'ParenthesisNode').length;

interface MathjsResult {
  size?: number;
  node?: MathNode;
  error?: string;
}
function mathjsDerivative(text: string, variable: string): MathjsResult {
  try {
    const node = mathjsSimplify(derivative(mathjsParse(text), variable));
    return { size: mathjsSize(node), node };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const point = { L1: 0.7, L2: 0.3, A: 0.4, B: 0.6 };
const rows: string[] = [];
const larger: string[] = [];
const largerAsTree: string[] = [];
const disagreements: string[] = [];
let slowest = 0;

for (const { name, text } of FORMULAS) {
  process.stderr.write(`${name}\n`);
  const expr = parse(text, { names });
  const simplified = simplify(expr);
  const derivatives = gradient(simplified, VARIABLES.map(([, v]) => v));
  const build = medianMicros(() => parse(text, { names }));
  const simplifyTime = medianMicros(() => simplify(expr));
  const differentiate = medianMicros(() => gradient(simplified, VARIABLES.map(([, v]) => v)));
  const total = build + simplifyTime + differentiate;
  slowest = Math.max(slowest, total);

  // mathjs gets the same formula text (Step1 substituted): our printer writes mathjs syntax
  const mathjsText = print(expr);
  const cells: string[] = [];
  let mathjsTime: number | undefined;
  const mathjsResults = VARIABLES.map(([v]) => mathjsDerivative(mathjsText, v));
  VARIABLES.forEach(([v], i) => {
    const ours = derivatives[i]!;
    const dag = nodeCount(ours);
    const tree = treeSize(ours);
    const theirs = mathjsResults[i]!;
    if (theirs.size === undefined) {
      cells.push(`${dag} (${tree}) / n.a.`);
      return;
    }
    cells.push(`${dag} (${tree}) / ${theirs.size}`);
    if (dag > theirs.size) larger.push(`${name} d/d${v}: ours ${dag} nodes (tree ${tree}) vs mathjs ${theirs.size}`);
    if (tree > theirs.size) largerAsTree.push(`${name} d/d${v}: ${tree} vs ${theirs.size}`);
    // both derivatives must agree in value, or the comparison means nothing
    const ourValue = evaluateScalar(ours, { inputs: { L1: point.L1, L2: point.L2 }, params: { A: point.A, B: point.B } });
    const theirValue = theirs.node!.evaluate({ ...point }) as number;
    if (Math.abs(ourValue - theirValue) > 1e-9 * Math.max(1, Math.abs(ourValue)))
      disagreements.push(`${name} d/d${v}: ours ${ourValue}, mathjs ${theirValue}`);
  });
  const supported = mathjsResults.every((r) => r.size !== undefined);
  if (supported)
    mathjsTime = medianMicros(() => {
      for (const [v] of VARIABLES) mathjsSimplify(derivative(mathjsParse(mathjsText), v));
    }, MATHJS_RUNS);
  const error = mathjsResults.find((r) => r.error)?.error ?? '';
  const why = supported ? '' : ` (mathjs: ${/function "(\w+)"/.exec(error)?.[1] ?? error} has no derivative rule)`;
  rows.push(
    `| ${name} | \`${text}\` | ${build.toFixed(1)} | ${simplifyTime.toFixed(1)} | ${differentiate.toFixed(1)} | ${(total / 1000).toFixed(3)} | ${cells.join(' | ')} | ${mathjsTime === undefined ? `not supported${why}` : mathjsTime.toFixed(0)} |`,
  );
}

console.log(
  '| formula | text | build µs | simplify µs | d/dL1,L2,A µs | total ms | d/dL1 nodes | d/dL2 nodes | d/dA nodes | mathjs 3 derivatives µs |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
console.log(
  '\nNodes: ours as a graph (as a tree, shared subexpressions counted per use) / mathjs `simplify(derivative(expr, v))` tree nodes (parentheses not counted).',
);
console.log(`Slowest formula, build + simplify + 3 derivatives: ${(slowest / 1000).toFixed(3)} ms (target < 1 ms).`);
console.log(
  larger.length === 0
    ? 'Ours never larger than mathjs (graph node count).'
    : `Ours larger than mathjs in ${larger.length} case(s):\n  ${larger.join('\n  ')}`,
);
console.log(
  `Written out as a tree (shared subexpressions repeated), ours is larger in ${largerAsTree.length} case(s):\n  ${largerAsTree.join('\n  ')}`,
);
if (disagreements.length > 0) {
  console.log(`Derivative values disagree with mathjs:\n  ${disagreements.join('\n  ')}`);
  process.exitCode = 1;
} else console.log(`Every derivative mathjs supports has the same value as ours at ${JSON.stringify(point)}.`);
