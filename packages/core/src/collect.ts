import { add, constant, mul, neg, sub } from './builders.js';
import { constValue, isAlwaysFinite } from './facts.js';
import { type Node, nodeCount } from './ir/node.js';
import { postOrder } from './ir/post-order.js';

/** coef * (product of factors); a constant term has no factors. */
interface Term {
  coef: number;
  factors: Node[];
}

const isSum = (node: Node): boolean => node.op === 'add' || node.op === 'sub' || node.op === 'neg';

/** A sum as signed terms, left to right: a - b*(2*c) + -d  ->  [1·a, -2·b·c, -1·d]. */
function flattenSum(root: Node): Term[] {
  const out: Term[] = [];
  // explicit stack, left operand on top: the terms come out in the order of the written sum
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, sign] = stack.pop()!;
    const [a, b] = node.args;
    if (node.op === 'add' || node.op === 'sub') {
      stack.push([b!, node.op === 'add' ? sign : -sign], [a!, sign]);
    } else if (node.op === 'neg') {
      stack.push([a!, -sign]);
    } else {
      out.push(flattenProduct(node, sign));
    }
  }
  return out;
}

/** A product as coefficient and factors: constants multiply into the coefficient in written order. */
function flattenProduct(root: Node, sign: number): Term {
  const term: Term = { coef: sign, factors: [] };
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const c = constValue(node);
    if (c !== undefined) {
      term.coef *= c;
    } else if (node.op === 'mul') {
      stack.push(node.args[1]!, node.args[0]!);
    } else if (node.op === 'neg') {
      term.coef *= -1;
      stack.push(node.args[0]!);
    } else {
      term.factors.push(node);
    }
  }
  return term;
}

const factorKey = (t: Term): string =>
  t.factors
    .map((f) => f.id)
    .sort((x, y) => x - y)
    .join(',');

/** A term whose coefficient is 0 and whose factors are finite: it drops out of any sum (as x*0 -> 0). */
const vanishes = (t: Term): boolean => t.coef === 0 && t.factors.every(isAlwaysFinite);

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
  return [...groups.values()].filter((t) => !vanishes(t));
}

/** The product of factors as a left fold, like `mul(a, b, c)`. */
function product(factors: Node[]): Node | undefined {
  let p: Node | undefined;
  for (const f of factors) p = p === undefined ? f : mul(p, f);
  return p;
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

/** The factor shared by most terms (the first seen among equals), if two or more share one. */
function mostSharedFactor(terms: readonly Term[]): Node | undefined {
  const counts = new Map<Node, number>();
  for (const t of terms) for (const f of new Set(t.factors)) counts.set(f, (counts.get(f) ?? 0) + 1);
  let best: Node | undefined;
  for (const [f, n] of counts) if (n >= 2 && (best === undefined || n > counts.get(best)!)) best = f;
  return best;
}

/**
 * Groups like terms and pulls the factor shared by most terms out of them, again inside the
 * bracket and in the rest: x*a + x*b + y*c + y*d -> x*(a + b) + y*(c + d). The nesting is an
 * explicit stack (a frame per open bracket), so products of many factors do not recurse.
 */
function collectTerms(terms: Term[]): Node {
  interface Frame {
    /** Terms not yet factored. */
    rest: Term[];
    /** Factored terms so far, in order. */
    out: Term[];
    /** The factor pulled out of the bracket being collected one frame up. */
    pulled?: Node;
  }
  const stack: Frame[] = [{ rest: groupLikeTerms(terms), out: [] }];
  let bracket: Node | undefined;
  for (;;) {
    const frame = stack[stack.length - 1]!;
    if (bracket !== undefined) {
      frame.out.push({ coef: 1, factors: [frame.pulled!, bracket] });
      bracket = undefined;
    }
    const best = mostSharedFactor(frame.rest);
    if (best === undefined) {
      const built = buildSum([...frame.out, ...frame.rest]);
      stack.pop();
      if (stack.length === 0) return built;
      bracket = built;
      continue;
    }
    const withIt: Term[] = [];
    const rest: Term[] = [];
    for (const t of frame.rest) {
      const i = t.factors.indexOf(best);
      if (i < 0) rest.push(t);
      else withIt.push({ coef: t.coef, factors: t.factors.filter((_, k) => k !== i) });
    }
    frame.rest = rest;
    frame.pulled = best;
    stack.push({ rest: groupLikeTerms(withIt), out: [] });
  }
}

/**
 * What a sum's terms say about collecting it: `open` when no two terms have the same factors, no
 * two share a factor and no term vanishes (then there is nothing to collect), with the terms'
 * factor keys and factors; else `dirty`. A node's summary is built from its operands' (the larger
 * operand's sets are taken over, the smaller's added: O(n log n) over a chain of n terms instead of
 * flattening every prefix of it again, which was quadratic).
 */
type Summary = { readonly dirty: true } | { readonly dirty: false; readonly keys: Set<string>; readonly factors: Set<Node> };
const DIRTY: Summary = { dirty: true };

/** Summaries of sums (add, sub, neg) not yet taken over by a user's summary. */
const summaries = new WeakMap<Node, Summary>();

function termSummary(node: Node): Summary {
  const t = flattenProduct(node, 1);
  return vanishes(t) ? DIRTY : { dirty: false, keys: new Set([factorKey(t)]), factors: new Set(t.factors) };
}

/** Disjoint union of two open summaries, or dirty; may reuse (and so take over) the larger one's sets. */
function merge(a: Summary, b: Summary, reusable: (s: Summary) => boolean): Summary {
  if (a.dirty || b.dirty) return DIRTY;
  let [big, small] = a.keys.size >= b.keys.size ? [a, b] : [b, a];
  for (const k of small.keys) if (big.keys.has(k)) return DIRTY;
  for (const f of small.factors) if (big.factors.has(f)) return DIRTY;
  if (!reusable(big)) big = { dirty: false, keys: new Set(big.keys), factors: new Set(big.factors) };
  for (const k of small.keys) big.keys.add(k);
  for (const f of small.factors) big.factors.add(f);
  return big;
}

function summarize(root: Node): Summary {
  const missing = (n: Node): readonly Node[] => (isSum(n) ? n.args.filter((a) => isSum(a) && !summaries.has(a)) : []);
  for (const node of postOrder([root], missing)) {
    const own = node.args.filter(isSum).map((a) => summaries.get(a)!);
    const parts = node.args.map((a) => (isSum(a) ? summaries.get(a)! : termSummary(a)));
    const summary = parts.length === 1 ? parts[0]! : merge(parts[0]!, parts[1]!, (s) => own.includes(s));
    // an operand whose sets this node took over loses its summary; a later user rebuilds it
    if (!summary.dirty) for (const a of node.args) if (isSum(a) && summaries.get(a) === summary) summaries.delete(a);
    summaries.set(node, summary);
  }
  return summaries.get(root)!;
}

const collected = new WeakMap<Node, Node | null>();

/**
 * Collects like terms of a sum and factors out shared factors, keeping the result only when it
 * has fewer nodes: A*L1 - (1-A)*L1 + A*L1 + A*L1  ->  (4*A - 1)*L1.
 */
export function collectSum(node: Node): Node | undefined {
  if (node.op !== 'add' && node.op !== 'sub') return undefined;
  const known = collected.get(node);
  if (known !== undefined) return known ?? undefined;
  let result: Node | undefined;
  // a sum with no like terms, no shared factor and no vanishing term has nothing to collect
  if (summarize(node).dirty) {
    const terms = flattenSum(node);
    if (terms.length >= 2 && (groupLikeTerms(terms).length < terms.length || hasSharedFactor(terms))) {
      const out = collectTerms(terms);
      if (out !== node && nodeCount(out) < nodeCount(node)) result = out;
    }
  }
  collected.set(node, result ?? null);
  return result;
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
