import { type Node, catalogue, gradient, input, lowerState, mean, paperExperiments, softmax, sum, weightedSum } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { type Cluster, cluster, mergeSmallClusters, recomputeElementwise, splitNestedClassReductions } from './clusters.js';
import { type FusedNode, toFusedGraph } from './graph.js';

/** The clusters of a loss's value and d/dpred, as `compile` plans them. */
function planWithRoots(expr: Node, stagedClass: boolean): { clusters: Cluster[]; roots: FusedNode[] } {
  const lowered = lowerState([expr]).roots[0]!;
  const roots = toFusedGraph([lowered, ...gradient(lowered, [input('pred')])], () => true);
  return { clusters: cluster(roots, stagedClass), roots };
}
const plan = (expr: Node, stagedClass: boolean): Cluster[] => planWithRoots(expr, stagedClass).clusters;
const full = (c: Cluster) => c.roles.length === 3;

describe('cluster', () => {
  it('runs a paper experiment (softmax, cross-entropy, L1, L2 and their gradient) in two passes over memory in NHWC', () => {
    const clusters = plan(paperExperiments.find((e) => e.id === 7)!.build().expr, true);
    // pass 1: max, exp-sum, log-softmax, cross-entropy, L1/L2 sums; pass 2: the gradient (needs the global means)
    expect(clusters.filter(full)).toHaveLength(2);
    const first = clusters.find(full)!;
    expect(first.staged).toBe(true);
    expect([...first.stage.values()].some((s) => s >= 2)).toBe(true); // max, then sum of exp, then the rest
  });

  it('does not stage class reductions when class is not the innermost axis (NCHW)', () => {
    const staged = plan(paperExperiments.find((e) => e.id === 7)!.build().expr, true);
    const flat = plan(paperExperiments.find((e) => e.id === 7)!.build().expr, false);
    expect(flat.every((c) => !c.staged)).toBe(true);
    expect(flat.filter(full).length).toBeGreaterThan(staged.filter(full).length);
  });

  it('orders clusters so each reads only values of earlier clusters', () => {
    for (const expr of [
      paperExperiments.find((e) => e.id === 22)!.build().expr,
      catalogue.dice().expr,
      catalogue.focal().expr,
      mean(sum(softmax(input('pred')), ['class'])),
    ])
      for (const stagedClass of [true, false]) {
        const clusters = plan(expr, stagedClass);
        const done = new Set<FusedNode>();
        for (const c of clusters) {
          for (const x of c.inputs) if (x.kind !== 'external') expect(done.has(x)).toBe(true);
          for (const o of c.outputs) done.add(o);
        }
      }
  });

  it('makes a value an output only where another cluster or a root uses it', () => {
    const { clusters, roots } = planWithRoots(paperExperiments.find((e) => e.id === 12)!.build().expr, true);
    const read = new Set(clusters.flatMap((c) => c.inputs));
    for (const c of clusters) for (const o of c.outputs) expect(read.has(o) || roots.includes(o)).toBe(true);
  });
});

describe('the plan of a target whose threads share nothing (webgl)', () => {
  const glslPlan = (expr: Node) => {
    const { clusters, roots } = planWithRoots(expr, true);
    return { clusters, roots, glsl: recomputeElementwise(splitNestedClassReductions(clusters), roots) };
  };
  const isClassReduction = (n: FusedNode) => n.kind === 'reduce' && n.over!.every((r) => r === 'class');

  it("gives softmax's max and sum of exp a pass of their own, stores no per-element value but the roots, reads only earlier values", () => {
    for (const id of [1, 7, 12, 22, 27]) {
      const { clusters, roots, glsl } = glslPlan(paperExperiments.find((e) => e.id === id)!.build().expr);
      const first = glsl[0]!;
      expect(first.outputs.length, `exp ${id}`).toBeGreaterThan(0);
      expect(first.outputs.every((o) => isClassReduction(o) && o.roles.length === 2), `exp ${id}`).toBe(true);
      expect(first.outputs.map((o) => o.op).sort(), `exp ${id}`).toEqual(['max', 'sum']);
      // what crosses clusters: per-pixel class statistics, reductions over pixels, their scalar chains
      for (const c of glsl)
        for (const o of c.outputs) if (!roots.includes(o)) expect(o.kind === 'reduce' || !o.roles.includes('class'), `exp ${id}`).toBe(true);
      // one cluster more than the shared plan at most
      expect(glsl.length, `exp ${id}`).toBeLessThanOrEqual(clusters.length + 1);
      const done = new Set<FusedNode>();
      for (const c of glsl) {
        for (const x of c.inputs) if (x.kind !== 'external') expect(done.has(x), `exp ${id}`).toBe(true);
        for (const o of c.outputs) done.add(o);
      }
      for (const r of roots) if (r.kind === 'map' || r.kind === 'reduce') expect(done.has(r), `exp ${id}`).toBe(true);
    }
  });

  it('runs the small clusters that finish a loss (over class or nothing) in one kernel, every value still made before it is read', () => {
    const small = (c: Cluster) => c.roles.every((r) => r === 'class');
    // Dice+CE: per-class ratios, then their mean (two small clusters); exp 7: its scalar chain (one)
    const cases: [Node, number][] = [
      [weightedSum('dice+ce', [{ loss: catalogue.dice() }, { loss: catalogue.categoricalCrossEntropy() }]).expr, 2],
      [paperExperiments.find((e) => e.id === 7)!.build().expr, 1],
    ];
    for (const [expr, before] of cases) {
      const { roots, glsl } = glslPlan(expr);
      const merged = mergeSmallClusters(glsl, roots);
      expect(glsl.filter(small)).toHaveLength(before);
      expect(merged.filter(small)).toHaveLength(1);
      expect(merged.length).toBe(glsl.length - glsl.filter(small).length + 1);
      const done = new Set<FusedNode>();
      for (const c of merged) {
        for (const x of c.inputs) if (x.kind !== 'external') expect(done.has(x)).toBe(true);
        for (const o of c.outputs) {
          expect(c.nodes).toContain(o);
          done.add(o);
        }
      }
      for (const r of roots) if (r.kind === 'map' || r.kind === 'reduce') expect(done.has(r)).toBe(true);
    }
  });

  it('leaves a cluster without nested class reductions as it is', () => {
    const { clusters } = planWithRoots(catalogue.l1().expr, true);
    expect(splitNestedClassReductions(clusters)).toEqual(clusters);
  });
});


describe('order ops in the fused graph', () => {
  it('sortBy, unsortBy and cumsum stay with the unfused lowering: external nodes that bound the clusters', () => {
    const expr = catalogue.lovaszSoftmax().expr;
    const lowered = lowerState([expr]).roots[0]!;
    const roots = toFusedGraph([lowered, ...gradient(lowered, [input('pred')])], () => true);
    const seen = new Map<string, FusedNode['kind']>();
    const walk = (f: FusedNode) => {
      if (seen.has(`${f.kind}:${f.op}:${f.roles.join()}`)) return;
      seen.set(`${f.kind}:${f.op}:${f.roles.join()}`, f.kind);
      f.args.forEach(walk);
    };
    roots.forEach(walk);
    const orderNodes = [...seen.keys()].filter((k) => /:(sortBy|unsortBy|cumsum):/.test(k));
    expect(orderNodes.length).toBeGreaterThan(0);
    expect(orderNodes.every((k) => k.startsWith('external:'))).toBe(true);
    // the elementwise work around them still fuses
    expect(cluster(roots, true).length).toBeGreaterThan(0);
  });
});
