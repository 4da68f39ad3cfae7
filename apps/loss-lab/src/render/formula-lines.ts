import { type Node, input, makeNode, toLatex, topoSort } from '@losskit/core';

export interface Abbreviated {
  /** the roots with every long subexpression replaced by its symbol */
  readonly roots: Node[];
  /** symbol u_k and what it stands for, in the order they are defined (a later one may use an earlier) */
  readonly definitions: { readonly symbol: Node; readonly value: Node }[];
}

/**
 * Names the long subexpressions of some formulas, so that each line that is typeset stays short
 * enough to wrap: bottom up, any subexpression (not a root) whose LaTeX, with its own long parts
 * already named, is longer than `limit` characters, or longer than `repeatedLimit` and used by
 * more than one node, becomes u_1, u_2, ... Nodes are interned, so a subexpression that occurs
 * twice (the filter's argument inside a ReLU and inside its [u > 0]) is one node with one name. KaTeX breaks inline math only after top-level relations and operators, never inside
 * \left( \right) or a cases block; naming bounds what one unbreakable part can hold.
 */
export function abbreviate(roots: readonly Node[], limit = 120, prefix = 'u', repeatedLimit = 40): Abbreviated {
  const done = new Map<Node, Node>();
  const symbolOf = new Map<Node, Node>();
  const definitions: { symbol: Node; value: Node }[] = [];
  const rootSet = new Set(roots);
  const order = topoSort(roots);
  // how many nodes use each node: a subexpression used twice is named from a shorter length on
  const uses = new Map<Node, number>();
  for (const node of order) for (const a of new Set(node.args)) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const node of order) {
    const args = node.args.map((a) => done.get(a)!);
    const rebuilt = args.every((a, i) => a === node.args[i]) ? node : makeNode(node.op, args, node.attrs);
    const length = toLatex(rebuilt).length;
    const long = length > limit || ((uses.get(node) ?? 0) > 1 && length > repeatedLimit);
    if (rootSet.has(node) || node.args.length === 0 || !long) {
      done.set(node, rebuilt);
      continue;
    }
    let symbol = symbolOf.get(rebuilt);
    if (!symbol) {
      symbol = input(`${prefix}${definitions.length + 1}`, []);
      symbolOf.set(rebuilt, symbol);
      definitions.push({ symbol, value: rebuilt });
    }
    done.set(node, symbol);
  }
  return { roots: roots.map((r) => done.get(r)!), definitions };
}
