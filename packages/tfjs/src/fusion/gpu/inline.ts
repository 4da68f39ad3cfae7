import type { Cluster } from '../clusters.js';
import type { FusedNode } from '../graph.js';
import { isClassReduction } from './linearize.js';

/**
 * GPU refinement of the shared cluster plan: an elementwise value (or a sum/max over class) that
 * one cluster stores and a later cluster reads is recomputed by the reader instead, when the
 * reader's threads loop over all of its roles. A GPU kernel is bound by memory traffic far more
 * than by arithmetic, so the softmax, difference and sign a paper experiment's first pass stores
 * for its gradient pass cost less recomputed from the prediction than written and read back. A
 * cluster left without outputs is dropped. Reductions over pixels stay where the plan put them.
 */
export function inlineForGpu(clusters: readonly Cluster[], roots: readonly FusedNode[]): Cluster[] {
  const home = new Map<FusedNode, number>();
  clusters.forEach((c, i) => {
    for (const n of c.nodes) home.set(n, i);
  });
  const stored = new Set(clusters.flatMap((c) => c.outputs));
  /** Whether the reader `into` can compute n itself: elementwise or over class, within its roles, from values it can read. */
  const pullable = (n: FusedNode, into: Cluster, memo: Map<FusedNode, boolean>): boolean => {
    let ok = memo.get(n);
    if (ok === undefined) {
      memo.set(n, false);
      ok =
        home.has(n) &&
        (n.kind === 'map' || isClassReduction(n)) &&
        n.roles.every((r) => into.roles.includes(r)) &&
        n.args.every((a) => a.kind !== 'map' && a.kind !== 'reduce' ? true : stored.has(a) || pullable(a, into, memo));
      memo.set(n, ok);
    }
    return ok;
  };

  const out = clusters.map((c) => {
    const nodes = new Set(c.nodes);
    const pulled: FusedNode[] = [];
    const memo = new Map<FusedNode, boolean>();
    const pull = (n: FusedNode) => {
      if (nodes.has(n) || !pullable(n, c, memo)) return false;
      nodes.add(n);
      for (const a of n.args) pull(a);
      pulled.push(n); // after its arguments: dependency order
      return true;
    };
    for (const input of c.inputs) pull(input);
    if (pulled.length === 0) return c;
    const all = [...pulled, ...c.nodes];
    const inputs = new Set<FusedNode>();
    for (const n of all) for (const a of n.args) if (!nodes.has(a) && a.kind !== 'literal' && a.kind !== 'size') inputs.add(a);
    return { ...c, nodes: all, inputs: [...inputs] };
  });

  // outputs nobody reads any more (not a root, not an input of another cluster) are not written
  const read = new Set<FusedNode>(roots);
  for (const c of out) for (const n of c.inputs) read.add(n);
  return out
    .map((c) => ({ ...c, outputs: c.outputs.filter((o) => read.has(o)) }))
    .filter((c) => c.outputs.length > 0);
}
