/**
 * Every node reachable from `roots` through `children`, each once, children before the node that
 * reached them (a post-order, so a DAG comes out in dependency order). Iterative, with an explicit
 * stack: a chain of any depth costs memory, not call stack. The one graph walk every pass of the
 * project uses (`topoSort` is it over `Node.args`); passes that must stop somewhere give a
 * `children` that returns fewer nodes (say none for nodes already memoized).
 *
 * Children are visited in the order given and roots in their order, so the result is exactly that
 * of the recursive walk `visit(n) { if seen, return; mark; children(n).forEach(visit); emit n }`.
 *
 * @example
 * ```ts
 * import { postOrder } from '@losskit/core';
 * const tree = { a: ['b', 'c'], b: ['c'], c: [] } as Record<string, string[]>;
 * postOrder(['a'], (n) => tree[n]!); // ['c', 'b', 'a']
 * ```
 */
export function postOrder<T>(roots: Iterable<T>, children: (node: T) => readonly T[]): T[] {
  const order: T[] = [];
  const seen = new Set<T>();
  // one frame per node on the current path: the node, its children, and how many are done
  const nodes: T[] = [];
  const kids: (readonly T[])[] = [];
  const done: number[] = [];
  const enter = (node: T): void => {
    seen.add(node);
    nodes.push(node);
    kids.push(children(node));
    done.push(0);
  };
  for (const root of roots) {
    if (seen.has(root)) continue;
    enter(root);
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const list = kids[top]!;
      const i = done[top]!;
      if (i === list.length) {
        order.push(nodes.pop()!);
        kids.pop();
        done.pop();
      } else {
        done[top] = i + 1;
        const child = list[i]!;
        if (!seen.has(child)) enter(child);
      }
    }
  }
  return order;
}
