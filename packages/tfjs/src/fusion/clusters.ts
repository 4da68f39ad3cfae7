import { type Roles, postOrder, sameRoles, unionRoles } from '@losskit/core';
import type { FusedNode } from './graph.js';

/**
 * One generated kernel: loops over the full shape of `roles` computing `nodes` (maps, and the
 * reductions of them as accumulators) from `inputs`, writing `outputs`.
 *
 * A staged cluster (class the innermost axis, see `cluster`) also holds per-pixel values: for each
 * pixel it runs one class loop per stage; a sum or max over class finishes in the loop of its stage
 * and the values of later stages may use it.
 */
export interface Cluster {
  readonly roles: Roles;
  /** In dependency order. */
  readonly nodes: readonly FusedNode[];
  /** Values read: externals and other clusters' outputs (literals and sizes are inlined). */
  readonly inputs: readonly FusedNode[];
  /** Values other clusters or the roots use. */
  readonly outputs: readonly FusedNode[];
  /** The class loop (0, 1, ...) in which each node is computed; all 0 unless staged. */
  readonly stage: ReadonlyMap<FusedNode, number>;
  /** Reductions over class whose per-pixel result later stages of the same loop use. */
  readonly classReductions: ReadonlySet<FusedNode>;
  readonly staged: boolean;
}

const inlined = (n: FusedNode) => n.kind === 'literal' || n.kind === 'size';

/** Dependency order of the fused graph (arguments before users). */
const order = (roots: readonly FusedNode[]): FusedNode[] => postOrder(roots, (n) => n.args);

interface Placement {
  readonly roles: Roles;
  readonly level: number;
  readonly key: string;
}
const place = (roles: Roles, level: number): Placement => ({ roles, level, key: `${roles.join(',')}@${level}` });

/**
 * Groups maps and reductions into clusters, each a (roles, level) pair. A map joins the cluster
 * of an argument that loops over the same roles, provided every other argument is complete by
 * then (one level lower); otherwise it starts one level above all its arguments. A reduction joins
 * its argument's cluster. Every edge between clusters goes up a level, so running the clusters by
 * level respects every dependency.
 *
 * With `stagedClass` (class is the innermost axis, NHWC), a sum or max over class does not end its
 * cluster: per-pixel values that use it, and values over all roles that use those, join the same
 * cluster one stage later (the next class loop of the same pixel) — a softmax and everything
 * elementwise around it become one pass over memory.
 */
export function cluster(roots: readonly FusedNode[], stagedClass = false): Cluster[] {
  const nodes = order(roots);
  const placement = new Map<FusedNode, Placement>();
  const stage = new Map<FusedNode, number>();
  const classReductions = new Set<FusedNode>();
  const level = (a: FusedNode) => placement.get(a)?.level ?? 0;
  /** The loop roles in which a node may run: its own, or (staged) its own plus class. */
  const loopsFor = (roles: Roles): Roles[] => (stagedClass && !roles.includes('class') ? [roles, unionRoles(roles, ['class'])] : [roles]);

  for (const n of nodes) {
    if (n.kind === 'external' || inlined(n)) continue;
    const x = n.args[0]!;
    if (n.kind === 'reduce') {
      // in its argument's cluster, or (an input or another reduction) in a loop over its roles
      const at = x.kind === 'map' ? placement.get(x)! : place(x.roles, level(x) + 1);
      placement.set(n, at);
      if (stagedClass && n.over!.length === 1 && n.over![0] === 'class' && sameRoles(x.roles, at.roles)) classReductions.add(n);
      continue;
    }
    const computed = n.args.filter((a) => !inlined(a) && a.kind !== 'external');
    const above = Math.max(1, ...computed.map((a) => level(a) + 1));
    // an argument's cluster n may join: same loop roles, the argument a map or a class reduction
    const joinable = (a: FusedNode) => {
      const at = placement.get(a)!;
      return (a.kind === 'map' || classReductions.has(a)) && loopsFor(n.roles).some((r) => sameRoles(r, at.roles));
    };
    const candidates = computed.filter(joinable).map((a) => placement.get(a)!);
    const best = candidates.sort((a, b) => b.level - a.level)[0];
    const fits =
      best !== undefined && computed.every((a) => (joinable(a) && placement.get(a)!.key === best.key) || level(a) + 1 <= best.level);
    placement.set(n, fits ? best : place(n.roles, above));
  }

  // A cluster whose values only one later cluster of the same loop uses, each where that cluster
  // can read it inside its loop, runs inside that cluster instead: one pass over memory less.
  const members = (key: string) => nodes.filter((n) => placement.get(n)?.key === key);
  for (const key of [...new Set([...placement.values()].sort((a, b) => a.level - b.level).map((p) => p.key))]) {
    const inside = members(key);
    if (inside.some((n) => roots.includes(n))) continue;
    const users = nodes.filter((u) => placement.has(u) && placement.get(u)!.key !== key && u.args.some((a) => inside.includes(a)));
    const target = users[0] && placement.get(users[0])!;
    if (
      target &&
      sameRoles(target.roles, placement.get(inside[0]!)!.roles) &&
      users.every((u) => placement.get(u)!.key === target.key) &&
      users.every((u) => u.args.every((a) => !inside.includes(a) || a.kind === 'map' || classReductions.has(a)))
    )
      for (const n of inside) placement.set(n, target);
  }

  // the class loop each node runs in: one more than the class reductions it depends on in its cluster
  for (const n of nodes) {
    const at = placement.get(n);
    if (!at) continue;
    const inside = n.args.filter((a) => placement.get(a)?.key === at.key);
    stage.set(n, Math.max(0, ...inside.map((a) => stage.get(a)! + (n.kind === 'map' && classReductions.has(a) ? 1 : 0))));
  }

  const groups = new Map<string, FusedNode[]>();
  for (const n of nodes) {
    const at = placement.get(n);
    if (at) groups.set(at.key, [...(groups.get(at.key) ?? []), n]);
  }
  const keyOf = (n: FusedNode) => placement.get(n)?.key;
  const usedOutside = new Set<FusedNode>(roots);
  for (const n of nodes) for (const a of n.args) if (keyOf(a) !== keyOf(n)) usedOutside.add(a);

  return [...groups.values()]
    .sort((a, b) => level(a[0]!) - level(b[0]!))
    .map((members) => {
      const at = placement.get(members[0]!)!;
      const inside = new Set(members);
      const inputs = new Set<FusedNode>();
      for (const n of members) for (const a of n.args) if (!inside.has(a) && !inlined(a)) inputs.add(a);
      const ownStages = new Map(members.map((n) => [n, stage.get(n)!]));
      const ownReductions = new Set(members.filter((n) => classReductions.has(n)));
      return {
        roles: at.roles,
        nodes: members,
        inputs: [...inputs],
        outputs: members.filter((n) => usedOutside.has(n)),
        stage: ownStages,
        classReductions: ownReductions,
        staged: members.some((n) => (n.kind === 'map' && !sameRoles(n.roles, at.roles)) || ownStages.get(n)! > 0),
      };
    });
}

/**
 * The plan for a target whose threads cannot share values (webgl: a fragment shader writes one
 * texel). There, a value stored for every element costs a texel to write and one to read, and a
 * texel of a staged cluster reruns its pixel's class loops (softmax's max and sum of exp) for each
 * value it stores: O(C) per element. So elementwise values cross clusters only by recomputation:
 * a cluster that reads one computes its chain itself, from the chain's own inputs and the per-pixel
 * sums and maxes over class of the cluster that made it (stored there: one texel per pixel, O(C)
 * each). Reductions over pixels are still read (their partial results); a chain through one stays
 * stored. Values nothing reads any more are not stored.
 */
export function recomputeElementwise(clusters: readonly Cluster[], roots: readonly FusedNode[]): Cluster[] {
  const members = clusters.map((c) => new Set(c.nodes));
  const lists = clusters.map((c) => [...c.nodes]);
  clusters.forEach((c, i) => {
    const added: FusedNode[] = [];
    for (const n of c.inputs) {
      const j = members.findIndex((m, k) => k < i && m.has(n));
      if (n.kind !== 'map' || j < 0) continue;
      // n's chain inside cluster j, down to j's inputs and its sums and maxes over class
      const inChain = (m: FusedNode) => members[j]!.has(m) && !clusters[j]!.classReductions.has(m);
      const reached = postOrder([n], (m) => (inChain(m) ? m.args : []));
      const chain = new Set(reached.filter(inChain));
      // a reduction over pixels, read as partial results, is finished once per reading texel: too dear
      if (reached.some((m) => m.kind === 'reduce' && !m.over!.every((r) => r === 'class'))) continue;
      for (const m of lists[j]!) if (chain.has(m) && !members[i]!.has(m)) added.push(m);
      for (const m of chain) members[i]!.add(m);
    }
    // the chains in their clusters' order (dependency order), before the cluster's own nodes
    lists[i] = [...new Set([...added, ...lists[i]!])];
  });
  const inputsOf = (i: number) => {
    const inputs = new Set<FusedNode>();
    for (const n of lists[i]!) for (const a of n.args) if (!members[i]!.has(a) && !inlined(a)) inputs.add(a);
    return inputs;
  };
  const inputs = clusters.map((_, i) => inputsOf(i));
  return clusters.flatMap((c, i) => {
    const outputs = lists[i]!.filter((n) => roots.includes(n) || inputs.some((read, k) => k > i && read.has(n)));
    if (outputs.length === 0) return [];
    return [{ ...c, nodes: lists[i]!, inputs: [...inputs[i]!], outputs, stage: new Map(lists[i]!.map((n) => [n, c.stage.get(n) ?? 0])) }];
  });
}

/**
 * For the same targets: where a staged cluster's sums and maxes over class nest (softmax's sum of
 * exp needs its max), every texel of the cluster would rerun the nested class loops for its pixel,
 * and the reductions over pixels of it once for each value they keep. The nested ones, and those
 * the class-varying values of later loops use, go first into a cluster of their own (one value
 * per pixel); the rest of the cluster reads them. One launch more, O(1) instead of O(C) class
 * loops per element after it. A cluster without nesting keeps its reduction in its texels.
 */
export function splitNestedClassReductions(clusters: readonly Cluster[]): Cluster[] {
  return clusters.flatMap((c) => {
    const inside = new Set(c.nodes);
    const isReduction = (n: FusedNode) => c.classReductions.has(n);
    /** The class reductions a node depends on inside the cluster, through per-pixel (class-free) maps. */
    const insideArgs = (n: FusedNode) => n.args.filter((a) => inside.has(a));
    /** The nodes inside the cluster that n depends on (n itself excluded). */
    const below = (n: FusedNode) => postOrder(insideArgs(n), insideArgs);
    const reached = (n: FusedNode): FusedNode[] =>
      postOrder(insideArgs(n), (a) => (isReduction(a) || a.roles.includes('class') ? [] : insideArgs(a))).filter(isReduction);
    const nested = c.nodes.filter(isReduction).some((r) => below(r).some(isReduction));
    if (!nested) return [c];
    const stats = new Set<FusedNode>();
    for (const n of c.nodes) if (n.kind === 'map' && n.roles.includes('class')) for (const r of reached(n)) stats.add(r);
    // and what those need
    for (const r of [...stats]) for (const a of below(r)) if (isReduction(a)) stats.add(a);
    const need = (roots: readonly FusedNode[], stop: ReadonlySet<FusedNode>) => {
      const keep = new Set(postOrder(roots, (n) => (inside.has(n) ? n.args.filter((a) => !stop.has(a)) : [])).filter((n) => inside.has(n)));
      return c.nodes.filter((n) => keep.has(n));
    };
    const part = (nodes: readonly FusedNode[], outputs: readonly FusedNode[]): Cluster => {
      const own = new Set(nodes);
      const inputs = new Set<FusedNode>();
      for (const n of nodes) for (const a of n.args) if (!own.has(a) && !inlined(a)) inputs.add(a);
      const reductions = new Set(nodes.filter(isReduction));
      return { roles: c.roles, nodes, inputs: [...inputs], outputs, stage: new Map(nodes.map((n) => [n, 0])), classReductions: reductions, staged: reductions.size > 0 };
    };
    const statsOut = c.nodes.filter((n) => stats.has(n));
    const outputs = c.outputs.filter((o) => !stats.has(o));
    const first = part(need(statsOut, new Set()), statsOut);
    return outputs.length > 0 ? [first, part(need(outputs, stats), outputs)] : [first];
  });
}

/**
 * For the same targets: a cluster over no pixels (roles class or none: the few values a loss
 * finishes its reductions into) that follows another such cluster runs in the same kernel, its
 * values of that cluster computed again in its own texels (a handful of texels, each O(classes)).
 * Dice finishes its per-class ratios, then their mean over class: one launch, not two.
 */
export function mergeSmallClusters(clusters: readonly Cluster[], roots: readonly FusedNode[]): Cluster[] {
  const small = (c: Cluster) => c.roles.every((r) => r === 'class');
  const merged: Cluster[] = [];
  for (const c of clusters) {
    const last = merged.at(-1);
    if (!last || !small(last) || !small(c)) {
      merged.push(c);
      continue;
    }
    const nodes = [...last.nodes, ...c.nodes];
    const own = new Set(nodes);
    merged[merged.length - 1] = {
      roles: unionRoles(last.roles, c.roles),
      nodes,
      inputs: [...new Set([...last.inputs, ...c.inputs])].filter((n) => !own.has(n)),
      // outputs for later clusters and the caller are fixed below, once every merge is done
      outputs: [...last.outputs, ...c.outputs],
      stage: new Map([...last.stage, ...c.stage]),
      classReductions: new Set([...last.classReductions, ...c.classReductions]),
      staged: last.staged || c.staged,
    };
  }
  return merged.map((c, i) => {
    const readLater = new Set(merged.slice(i + 1).flatMap((k) => k.inputs));
    return { ...c, outputs: c.outputs.filter((n) => roots.includes(n) || readLater.has(n)) };
  });
}
