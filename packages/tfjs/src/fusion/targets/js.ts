import { BINARY_KERNELS, UNARY_KERNELS } from '@losskit/core';
import type { Cluster } from '../clusters.js';
import type { FusedNode } from '../graph.js';

/**
 * The loop nest of one run of a cluster: `loops` nested loops (size-1 axes dropped, neighbouring
 * axes merged where every port agrees), and for each port the loops along which it varies, as a
 * bit mask (bit k = loop k; loop 0 is outermost). Ports: the cluster's inputs, then its outputs.
 */
export interface LoopPattern {
  readonly loops: number;
  readonly masks: readonly number[];
  /** The innermost loop's size when it is unrolled (a few classes), else undefined. */
  readonly unroll?: number;
}

/**
 * A generated kernel. X: the inputs' values; Y: the outputs' (written); D: the loop sizes;
 * S: port q's stride along loop k at S[q * loops + k]; Z: the values of the cluster's `size` nodes.
 */
export type Kernel = (
  X: readonly ArrayLike<number>[],
  Y: readonly Float32Array[],
  D: readonly number[],
  S: readonly number[],
  Z: readonly number[],
) => void;

/** Inline JavaScript for the common ops; every other op calls the core's float64 kernel (same semantics as `evaluate`). */
const INLINE: Partial<Record<string, (a: readonly string[], node: FusedNode) => string>> = {
  neg: ([x]) => `-${x}`,
  exp: ([x]) => `Math.exp(${x})`,
  log: ([x]) => `Math.log(${x})`,
  sqrt: ([x]) => `Math.sqrt(${x})`,
  abs: ([x]) => `Math.abs(${x})`,
  sign: ([x]) => `Math.sign(${x})`,
  square: ([x]) => `${x} * ${x}`,
  relu: ([x]) => `Math.max(${x}, 0)`,
  // elu(x) = x for x > 0, alpha (e^x - 1) otherwise
  elu: ([x], n) => `${x} > 0 ? ${x} : ${number(n.value!)} * Math.expm1(${x})`,
  add: ([a, b]) => `${a} + ${b}`,
  sub: ([a, b]) => `${a} - ${b}`,
  mul: ([a, b]) => `${a} * ${b}`,
  div: ([a, b]) => `${a} / ${b}`,
  min: ([a, b]) => `Math.min(${a}, ${b})`,
  max: ([a, b]) => `Math.max(${a}, ${b})`,
  gt: ([a, b]) => `${a} > ${b} ? 1 : 0`,
  ge: ([a, b]) => `${a} >= ${b} ? 1 : 0`,
  lt: ([a, b]) => `${a} < ${b} ? 1 : 0`,
  le: ([a, b]) => `${a} <= ${b} ? 1 : 0`,
  eq: ([a, b]) => `${a} === ${b} ? 1 : 0`,
  where: ([c, a, b]) => `${c} !== 0 ? ${a} : ${b}`,
};

/** Reductions: the accumulator's start and how it takes one more value. */
const ACCUMULATE: Record<string, { init: string; add: (acc: string, x: string) => string }> = {
  sum: { init: '0', add: (acc, x) => `${acc} + ${x}` },
  max: { init: '-Infinity', add: (acc, x) => `Math.max(${acc}, ${x})` },
};

/** A literal as the float32 tensor the unfused lowering would hold it in (tfjs values are float32). */
const number = (v: number): string => {
  const f = Math.fround(v);
  return Object.is(f, -0) ? '(-0)' : `(${f})`;
};

function call(node: FusedNode, args: readonly string[]): string {
  const inline = INLINE[node.op];
  if (inline) return inline(args, node);
  if (node.op in UNARY_KERNELS) return `U.${node.op}(${args[0]})`;
  if (node.op in BINARY_KERNELS) return `B.${node.op}(${args[0]}, ${args[1]})`;
  throw new Error(`no fused code for op '${node.op}'`);
}

const bits = (mask: number, loops: number) => Array.from({ length: loops }, (_, k) => k).filter((k) => mask & (1 << k));
/** The innermost loop a mask needs, plus one: where a value that varies along it can be computed. */
const depthOf = (mask: number, loops: number) => Math.max(0, ...bits(mask, loops).map((k) => k + 1));

/**
 * The source of a cluster's kernel for one loop pattern. Loops 0..m-2 are the outer loops; the
 * innermost loop m-1 runs once per stage of the cluster ("pixel" = one iteration of the outer
 * loops). Values that do not vary along the innermost loop are computed once, in the outermost
 * loop they allow (a per-pixel value is hoisted out of the NHWC class loop); values that do are
 * computed in the loop of their stage, and kept in a scratch row (locals when the loop is unrolled)
 * when a later stage reads them.
 * Maps are stored where they are computed; reductions accumulate in float64: a class reduction of a
 * staged cluster and any reduction whose kept loops are the outer ones in a local variable, others
 * in a buffer copied out at the end.
 */
export function kernelSource(cluster: Cluster, pattern: LoopPattern): { source: string; sizes: FusedNode[] } {
  const { loops, masks } = pattern;
  const inner = loops - 1; // the innermost loop, -1 for a scalar cluster
  const innerBit = loops > 0 ? 1 << inner : 0;
  const full = (1 << loops) - 1;
  const pixel = Math.max(inner, 0); // the depth of one pixel's statements
  const stages = loops > 0 ? Math.max(0, ...cluster.stage.values()) + 1 : 0;
  const stageOf = (n: FusedNode) => cluster.stage.get(n) ?? 0;

  const head: string[] = [];
  const outer: string[][] = Array.from({ length: pixel }, () => []); // before loop d opens (d < pixel)
  const closeOuter: string[][] = Array.from({ length: pixel }, () => []); // after loop d closes
  const before: string[][] = Array.from({ length: stages + 1 }, () => []); // pixel slot before stage loop s (s = stages: after the last)
  const body: string[][] = Array.from({ length: stages }, () => []); // stage loop s
  const tail: string[] = [];
  const slot = (depth: number) => (depth < pixel ? outer[depth]! : before[0]!);

  const names = new Map<FusedNode, string>();
  const maskOf = new Map<FusedNode, number>();
  const sizes: FusedNode[] = [];
  const isInner = (n: FusedNode) => (maskOf.get(n)! & innerBit) !== 0;
  const ports = [...cluster.inputs, ...cluster.outputs];
  const index = (port: number) => {
    const mask = masks[port]!;
    if (mask === full && loops > 0) return `ob + i${inner}`;
    return bits(mask, loops).map((k) => `i${k} * s${port}_${k}`).join(' + ') || '0';
  };
  ports.forEach((_, q) => {
    for (const k of bits(masks[q]!, loops)) if (masks[q] !== full) head.push(`const s${q}_${k} = S[${q * loops + k}];`);
  });

  // reads of a value inside stage loop `at`: an inner value of an earlier stage comes from its scratch row
  const readIn = new Map<string, string>();
  const scratch = new Set<FusedNode>();
  // a scratch cell: one float64 row per pixel, or (unrolled) one local per class, `$k` its index
  const cell = (name: string) => (pattern.unroll === undefined ? `w_${name}[i${inner}]` : `w_${name}_$k`);
  const ref = (n: FusedNode, at: number): string => {
    if (n.kind === 'literal') return number(n.value!);
    if (n.kind === 'size') {
      let k = sizes.indexOf(n);
      if (k < 0) {
        k = sizes.push(n) - 1;
        head.push(`const z${k} = Z[${k}];`);
      }
      return `z${k}`;
    }
    const name = names.get(n)!;
    if (!isInner(n) || stageOf(n) === at) return name;
    // an inner value of an earlier stage loop: its scratch row
    const key = `${name}@${at}`;
    let local = readIn.get(key);
    if (!local) {
      local = `${name}_${at}`;
      scratch.add(n);
      body[at]!.push(`const ${local} = ${cell(name)};`);
      readIn.set(key, local);
    }
    return local;
  };

  cluster.inputs.forEach((input, q) => {
    head.push(`const X${q} = X[${q}];`);
    const name = `x${q}`;
    names.set(input, name);
    maskOf.set(input, masks[q]!);
    // an input varying along the innermost loop is read in each stage loop that uses it (inputRead)
    if (!isInner(input)) slot(depthOf(masks[q]!, loops)).push(`const ${name} = X${q}[${index(q)}];`);
  });
  const inputRead = (n: FusedNode, at: number): string => {
    const q = cluster.inputs.indexOf(n);
    const key = `${names.get(n)}@${at}`;
    let local = readIn.get(key);
    if (!local) {
      local = `${names.get(n)}_${at}`;
      body[at]!.push(`const ${local} = X${q}[${index(q)}];`);
      readIn.set(key, local);
    }
    return local;
  };
  /** A value read inside stage loop `at`. */
  const use = (a: FusedNode, at: number): string => (cluster.inputs.includes(a) && isInner(a) ? inputRead(a, at) : ref(a, at));

  for (const n of cluster.nodes) {
    const name = `v${names.size}`;
    if (n.kind === 'reduce') {
      if (cluster.staged && cluster.classReductions.has(n)) {
        // a per-pixel accumulator over the class loop of its stage; later stages read it
        const x = n.args[0]!;
        const s = stageOf(x);
        const { init, add } = ACCUMULATE[n.op]!;
        names.set(n, name);
        maskOf.set(n, (maskOf.get(x) ?? 0) & ~innerBit);
        before[s]!.push(`let ${name} = ${init};`);
        body[s]!.push(`${name} = ${add(name, use(x, s))};`);
      }
      continue;
    }
    const m = n.args.reduce((acc, a) => acc | (maskOf.get(a) ?? 0), 0);
    names.set(n, name);
    maskOf.set(n, m);
    const s = stageOf(n);
    if (m & innerBit) body[s]!.push(`const ${name} = ${call(n, n.args.map((a) => use(a, s)))};`);
    else {
      const target = s === 0 ? slot(depthOf(m, loops)) : before[s]!;
      target.push(`const ${name} = ${call(n, n.args.map((a) => ref(a, s)))};`);
    }
  }

  cluster.outputs.forEach((out, i) => {
    const q = cluster.inputs.length + i;
    const m = masks[q]!;
    head.push(`const Y${q} = Y[${i}];`);
    if (out.kind === 'map') {
      // stored once per element of the output: in a class loop when it spans that loop (a value
      // constant along it, e.g. from a lazily broadcast input, is stored in each iteration)
      if (m & innerBit) body[stageOf(out)]!.push(`Y${q}[${index(q)}] = ${names.get(out)};`);
      else before[stages]!.push(`Y${q}[${index(q)}] = ${names.get(out)};`);
      return;
    }
    if (cluster.staged && cluster.classReductions.has(out)) {
      before[stages]!.push(`Y${q}[${index(q)}] = ${names.get(out)};`);
      return;
    }
    const { init, add } = ACCUMULATE[out.op]!;
    const x = out.args[0]!;
    const s = stageOf(x);
    // where x is computed once per element of its roles: the stage loop, or the pixel slot for a per-pixel x
    const perPixel = loops > 0 && !sameLoop(out, cluster);
    const accumulate = (acc: string, value: string) => (perPixel || loops === 0 ? before[s]! : body[s]!).push(`${acc} = ${add(acc, value)};`);
    const value = perPixel || loops === 0 ? ref(x, s) : use(x, s);
    const kept = depthOf(m, loops);
    if (m === 0) {
      head.push(`let a${q} = ${init};`);
      accumulate(`a${q}`, value);
      tail.push(`Y${q}[0] = a${q};`);
    } else if (m === (1 << kept) - 1 && kept <= pixel && !perPixel) {
      // kept loops outermost: a local accumulator per iteration of them
      (kept < pixel ? outer[kept]! : before[0]!).push(`let a${q} = ${init};`);
      accumulate(`a${q}`, value);
      (kept < pixel ? closeOuter[kept]! : before[stages]!).push(`Y${q}[${index(q)}] = a${q};`);
    } else {
      head.push(`const t${q} = new Float64Array(Y${q}.length).fill(${init});`);
      const at = index(q);
      accumulate(`t${q}[${at}]`, value);
      tail.push(`for (let k = 0; k < t${q}.length; k++) Y${q}[k] = t${q}[k];`);
    }
  });
  for (const n of scratch) {
    const name = names.get(n)!;
    if (pattern.unroll === undefined) head.push(`const w_${name} = new Float64Array(D[${inner}]);`);
    else before[0]!.unshift(`let ${Array.from({ length: pattern.unroll }, (_, k) => `w_${name}_${k} = 0`).join(', ')};`);
    body[stageOf(n)]!.push(`${cell(name)} = ${name};`);
  }

  const lines: string[] = [...head, 'let p = 0;'];
  const emit = (depth: number): void => {
    if (depth < pixel) {
      lines.push(...outer[depth]!);
      lines.push(`for (let i${depth} = 0, n${depth} = D[${depth}]; i${depth} < n${depth}; i${depth}++) {`);
      emit(depth + 1);
      lines.push('}', ...closeOuter[depth]!);
      return;
    }
    if (loops > 0) lines.push(`const ob = p * D[${inner}];`);
    for (let s = 0; s < stages; s++) {
      lines.push(...before[s]!);
      if (body[s]!.length === 0) continue;
      if (pattern.unroll === undefined) lines.push(`for (let i${inner} = 0, n${inner} = D[${inner}]; i${inner} < n${inner}; i${inner}++) {`, ...body[s]!, '}');
      // unrolled: one block per iteration, so each has its own constants and no loop branches
      else
        for (let k = 0; k < pattern.unroll; k++) lines.push(`{ const i${inner} = ${k};`, ...body[s]!.map((line) => line.replaceAll('$k', String(k))), '}');
    }
    lines.push(...before[stages]!);
    if (loops > 0) lines.push('p++;');
  };
  emit(0);
  lines.push(...tail);
  return { source: lines.join('\n'), sizes };
}

/** Whether a reduction's argument loops over all of the cluster's roles (else it is per-pixel). */
function sameLoop(reduction: FusedNode, c: Cluster): boolean {
  const x = reduction.args[0]!;
  return x.kind !== 'map' || x.roles.length === c.roles.length;
}

/**
 * Compiles a kernel. The source uses `U` and `B`, the core's scalar kernels, for ops without
 * inline code, so every op means what `evaluate` computes.
 */
export function compileKernel(source: string): Kernel {
  return new Function('U', 'B', `return function fused(X, Y, D, S, Z) {\n${source}\n};`)(UNARY_KERNELS, BINARY_KERNELS) as Kernel;
}
