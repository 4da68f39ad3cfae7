import { add, constant, mul, neg, sub } from './builders.js';
import { constValue, isAlwaysFinite } from './facts.js';
import { type Node, nodeCount } from './ir/node.js';

/** coef * (product of factors); a constant term has no factors. */
interface Term {
  coef: number;
  factors: Node[];
}

/** A sum as signed terms: a - b*(2*c) + -d  ->  [1·a, -2·b·c, -1·d]. */
function flattenSum(node: Node, sign: number, out: Term[]): void {
  const [a, b] = node.args;
  if (node.op === 'add' || node.op === 'sub') {
    flattenSum(a!, sign, out);
    flattenSum(b!, node.op === 'add' ? sign : -sign, out);
  } else if (node.op === 'neg') {
    flattenSum(a!, -sign, out);
  } else {
    const term: Term = { coef: sign, factors: [] };
    flattenProduct(node, term);
    out.push(term);
  }
}

function flattenProduct(node: Node, term: Term): void {
  const c = constValue(node);
  if (c !== undefined) {
    term.coef *= c;
  } else if (node.op === 'mul') {
    for (const a of node.args) flattenProduct(a, term);
  } else if (node.op === 'neg') {
    term.coef *= -1;
    flattenProduct(node.args[0]!, term);
  } else {
    term.factors.push(node);
  }
}

const factorKey = (t: Term): string =>
  t.factors
    .map((f) => f.id)
    .sort((x, y) => x - y)
    .join(',');

/** Adds the coefficients of terms with the same factors; a group that cancels is dropped when provably finite. */
function groupLikeTerms(terms: Term[]): Term[] {
  const groups = new Map<string, Term>();
  for (const t of terms) {
    const key = factorKey(t);
    const g = groups.get(key);
    if (g) g.coef += t.coef;
    else groups.set(key, { coef: t.coef, factors: [...t.factors] });
  }
  // x - x -> 0 only where x cannot be Inf or NaN (as the x-x rule)
  return [...groups.values()].filter((t) => t.coef !== 0 || !t.factors.every(isAlwaysFinite));
}

function product(factors: Node[]): Node | undefined {
  return factors.length === 0 ? undefined : mul(...(factors as [Node, ...Node[]]));
}

/** Rebuilds a sum: positive terms added, negative ones subtracted, coefficients in front. */
function buildSum(terms: Term[]): Node {
  let sum: Node | undefined;
  for (const t of terms) {
    const magnitude = Math.abs(t.coef);
    const body = product(t.factors);
    const term = body === undefined ? constant(magnitude) : magnitude === 1 ? body : mul(magnitude, body);
    const negative = t.coef < 0 || Object.is(t.coef, -0);
    sum = sum === undefined ? (negative ? neg(term) : term) : negative ? sub(sum, term) : add(sum, term);
  }
  return sum ?? constant(0);
}

function hasSharedFactor(terms: Term[]): boolean {
  const seen = new Set<Node>();
  for (const t of terms) {
    const own = new Set(t.factors);
    for (const f of own) if (seen.has(f)) return true;
    for (const f of own) seen.add(f);
  }
  return false;
}

/** Pulls the factor shared by most terms out of them: x*a + x*b -> x*(a + b), recursively. */
function factorOut(terms: Term[]): Term[] {
  const counts = new Map<Node, number>();
  for (const t of terms) for (const f of new Set(t.factors)) counts.set(f, (counts.get(f) ?? 0) + 1);
  let best: Node | undefined;
  for (const [f, n] of counts) if (n >= 2 && (best === undefined || n > counts.get(best)!)) best = f;
  if (!best) return terms;
  const withIt: Term[] = [];
  const rest: Term[] = [];
  for (const t of terms) {
    const i = t.factors.indexOf(best);
    if (i < 0) rest.push(t);
    else withIt.push({ coef: t.coef, factors: t.factors.filter((_, k) => k !== i) });
  }
  const inner = collectTerms(withIt);
  return [{ coef: 1, factors: [best, inner] }, ...factorOut(rest)];
}

function collectTerms(terms: Term[]): Node {
  return buildSum(factorOut(groupLikeTerms(terms)));
}

/**
 * Collects like terms of a sum and factors out shared factors, keeping the result only when it
 * has fewer nodes: A*L1 - (1-A)*L1 + A*L1 + A*L1  ->  (4*A - 1)*L1.
 */
export function collectSum(node: Node): Node | undefined {
  if (node.op !== 'add' && node.op !== 'sub') return undefined;
  const terms: Term[] = [];
  flattenSum(node, 1, terms);
  if (terms.length < 2 || !(groupLikeTerms(terms).length < terms.length || hasSharedFactor(terms))) return undefined;
  const collected = collectTerms(terms);
  return collected !== node && nodeCount(collected) < nodeCount(node) ? collected : undefined;
}
