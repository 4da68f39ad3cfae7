import { type Node, input, makeNode, rewrite, toLatex } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { compareDerivatives } from '../analyses/gradient-descent.js';
import { abbreviate } from './formula-lines.js';

/** Puts every definition back: the result must be the very (interned) node abbreviated. */
function expand(root: Node, definitions: readonly { symbol: Node; value: Node }[]): Node {
  const bySymbol = new Map(definitions.map((d) => [d.symbol, d.value]));
  let out = root;
  for (let pass = 0; pass <= definitions.length; pass++)
    [out] = rewrite([out], (n, args) => bySymbol.get(n) ?? (args.every((a, i) => a === n.args[i]) ? n : makeNode(n.op, args, n.attrs))) as [Node];
  return out;
}

describe('abbreviate: long formulas as short lines', () => {
  const partials = compareDerivatives(4).flatMap((c) => c.core);

  it('keeps every typeset part within the limit, except a part that cannot be split further', () => {
    for (const p of partials) {
      const { roots, definitions } = abbreviate([p], 80);
      for (const part of [...roots, ...definitions.map((d) => d.value)]) {
        const text = toLatex(part);
        // a node longer than the limit has only short (or named) arguments: its own length is bounded
        if (text.length > 80) expect(part.args.every((a) => toLatex(a).length <= 80), text).toBe(true);
      }
    }
  });

  it('names a repeated subexpression once, and expands back to the same expression', () => {
    const eq9 = compareDerivatives(4).find((c) => c.equation === 9)!.core[0]!;
    const { roots, definitions } = abbreviate([eq9], 60);
    expect(definitions.length).toBeGreaterThan(0);
    expect(new Set(definitions.map((d) => d.value)).size).toBe(definitions.length);
    expect(toLatex(roots[0]!).length).toBeLessThan(toLatex(eq9).length / 3);
    expect(expand(roots[0]!, definitions)).toBe(eq9);
  });

  it('leaves a short formula as it is', () => {
    const x = input('x', []);
    expect(abbreviate([x], 80)).toEqual({ roots: [x], definitions: [] });
  });
});
