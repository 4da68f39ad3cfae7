/**
 * Very deep and very wide graphs for the tests of every pass and backend (and the bench):
 * a chain of n ops, and a sum of n distinct terms, both finite and smooth for any n, plus
 * fast-check arbitraries of random ones. Test-only: imports fast-check, not exported from the
 * package index.
 */
import * as fc from 'fast-check';
import { add, constant, log1p, mul, neg, sigmoid, square, sub, tanh } from '../builders.js';
import type { Node } from '../ir/node.js';

/**
 * One step of a chain: a bounded op of the value so far, none of which the simplifier can undo
 * or merge with the next (so the chain keeps its depth), each with |f'| <= 1 (so a gradient
 * through 10^5 of them stays finite). The input appears once, at the bottom: a chain that reads
 * it at every level has a gradient that is a sum of long products sharing their factors, which
 * `simplify` still factors in super-linear time (see docs/reliability.md, known limits).
 */
const CHAIN_STEPS: readonly ((e: Node) => Node)[] = [
  (e) => tanh(e),
  (e) => add(e, 0.25),
  (e) => neg(e),
  (e) => sigmoid(e),
  (e) => sub(0.5, e),
  (e) => mul(e, 0.5),
  (e) => log1p(square(e)),
];

/** The chain of `depth` steps over x, cycling through the first three steps (tanh, + 0.25, neg). */
export function deepChain(x: Node, depth: number): Node {
  let e = x;
  for (let i = 0; i < depth; i++) e = CHAIN_STEPS[i % 3]!(e);
  return e;
}

/**
  * t_0 + t_1 + ... + t_{n-1}, t_i = (i + 2) * tanh(x + (i + 1)/n): n distinct terms, no two alike and
 * no factor shared, so there is nothing to collect (the case that was quadratic in `collect.ts`).
 */
export function wideSum(x: Node, terms: number): Node {
  let s: Node | undefined;
  for (let i = 0; i < terms; i++) {
    const t = mul(i + 2, tanh(add(x, (i + 1) / terms)));
    s = s === undefined ? t : add(s, t);
  }
  return s ?? constant(0);
}

/** A random chain of `minDepth`..`maxDepth` steps of CHAIN_STEPS over x. */
export function chainArbitrary(x: Node, minDepth: number, maxDepth: number): fc.Arbitrary<Node> {
  return fc
    .array(fc.nat({ max: CHAIN_STEPS.length - 1 }), { minLength: minDepth, maxLength: maxDepth })
    .map((steps) => steps.reduce<Node>((e, k) => CHAIN_STEPS[k]!(e), x));
}

/** A random sum of `minTerms`..`maxTerms` terms drawn from `term` (like terms may repeat). */
export function sumArbitrary(term: fc.Arbitrary<Node>, minTerms: number, maxTerms: number): fc.Arbitrary<Node> {
  return fc.array(term, { minLength: minTerms, maxLength: maxTerms }).map((ts) => ts.reduce((s, t) => add(s, t)));
}
