import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postOrder } from './post-order.js';

/** The recursive walk postOrder replaces (the specification of its order). */
function recursivePostOrder<T>(roots: Iterable<T>, children: (n: T) => readonly T[]): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  const visit = (n: T): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of children(n)) visit(c);
    out.push(n);
  };
  for (const r of roots) visit(r);
  return out;
}

/** A random DAG on nodes 0..n-1: node i has children among 0..i-1 (repeats allowed). */
const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.tuple(
    fc.tuple(...Array.from({ length: n }, (_, i) => fc.array(fc.nat({ max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : 4 }))),
    fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 4 }),
  ),
);

describe('postOrder', () => {
  it('visits exactly as the recursive walk does: children in order, each node once, after its children', () => {
    fc.assert(
      fc.property(dag, ([edges, roots]) => {
        const children = (i: number) => edges[i]!;
        const order = postOrder(roots, children);
        expect(order).toEqual(recursivePostOrder(roots, children));
        const at = new Map(order.map((n, k) => [n, k]));
        for (const n of order) for (const c of children(n)) expect(at.get(c)!).toBeLessThan(at.get(n)!);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it('walks a chain of a million nodes without recursion (the recursive walk overflows the stack)', () => {
    const depth = 1_000_000;
    const children = (i: number) => (i === 0 ? [] : [i - 1]);
    expect(() => recursivePostOrder([depth - 1], children)).toThrow(RangeError);
    const order = postOrder([depth - 1], children);
    expect(order.length).toBe(depth);
    expect(order[0]).toBe(0);
    expect(order[depth - 1]).toBe(depth - 1);
  });

  it('stops where children says so (a memo table cuts the walk short)', () => {
    const tree: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] };
    expect(postOrder(['a'], (n) => tree[n]!)).toEqual(['d', 'b', 'c', 'a']);
    expect(postOrder(['a'], (n) => (n === 'b' ? [] : tree[n]!))).toEqual(['b', 'd', 'c', 'a']);
  });
});
