import { postOrder } from '@losskit/core';
import type { Cluster } from '../clusters.js';
import type { FusedNode } from '../graph.js';

/**
 * The GPU side of the fusion planner: one cluster of the shared plan (see `cluster`) as the
 * program of one GPU thread ("pixel"), rendered by a dialect (WGSL, GLSL). Both GPU targets use
 * it; they differ only in how a thread is mapped to work and how results leave it.
 *
 * A thread handles one pixel: one element of the cluster's shape with the class axis collapsed.
 * Values that vary along class are computed in class loops inside the thread; a sum or max over
 * class (softmax's max and sum of exp) is an accumulator over one such loop, and values that use it
 * run in a later loop ("level"). A GPU recomputes instead of keeping a scratch row: a value of an
 * earlier loop that a later one needs is computed again there (it is elementwise and cheap next to
 * a read from memory).
 */

/** Where a value the kernel reads lives. */
export interface Port {
  /** Index of the bound tensor (variable) the value is read from. */
  readonly variable: number;
  /** Element offset inside that tensor (values packed by an earlier fused kernel). */
  readonly offset: number;
  /** Stride along each axis of the layout (rank r), 0 where the value is the same along it. */
  readonly strides: readonly number[];
  /**
   * How the dialect addresses the tensor: 'flat' by element index (packed buffers, and every
   * WGSL read), 'coords' by the coordinates of its own shape (GLSL samplers of external tensors).
   */
  readonly shape: readonly number[];
  readonly flat: boolean;
  /** A reduction an earlier kernel left as `count` partial results, `stride` apart: the reader finishes it. */
  readonly partials?: { readonly count: number; readonly stride: number; readonly op: 'sum' | 'max' };
}

/** Where one output of the cluster goes in the kernel's packed output. */
export interface Sink {
  readonly node: FusedNode;
  readonly offset: number;
  /** 'store': one value per element of its shape; 'partials': one partial result per (thread group, kept index). */
  readonly kind: 'store' | 'partials';
  /** Stride along each axis (of the value's shape, or of the kept shape for partials), 0 where it is 1. */
  readonly strides: readonly number[];
  /** Elements of the value (store) or of the kept shape (partials). */
  readonly size: number;
  /** The value's (or kept) shape at the layout's rank, 1 along the axes it does not span. */
  readonly shape: readonly number[];
}

/** One cluster at the sizes of one call: everything a dialect needs besides the op table. */
export interface GpuCall {
  readonly cluster: Cluster;
  readonly rank: number;
  /** The layout axis of class, or -1 when the cluster does not span class. */
  readonly classAxis: number;
  readonly classCount: number;
  /** The cluster's shape with the class axis set to 1: one thread per element. */
  readonly pixelShape: readonly number[];
  readonly pixels: number;
  readonly ports: readonly Port[];
  readonly sinks: readonly Sink[];
  /** Partial results per cross-thread reduction (workgroups on webgpu, chunks on webgl). */
  readonly partialCount: number;
  /** Elements of the packed output. */
  readonly total: number;
  /** The value of a `size` node (a product of role sizes) at this call. */
  readonly sizeOf: (n: FusedNode) => number;
}

/** How a GPU language spells the pieces the linearizer emits (see targets/wgsl.ts, targets/glsl.ts). */
export interface Dialect {
  /** A float literal, as the float32 value the unfused lowering would hold. */
  float(v: number): string;
  /** An elementwise op of the fused graph, from the target's op table. */
  op(node: FusedNode, args: readonly string[]): string;
  constFloat(name: string, expr: string): string;
  varFloat(name: string, expr: string): string;
  constInt(name: string, expr: string): string;
  /** Opens `for (v = from; v < to; v++) {` (closed by '}'). */
  forInt(v: string, from: string, to: string): string;
  /** A read of port q at element `index` of its tensor (or at `coords` for a 'coords' port). */
  read(port: Port, q: number, index: string, coords: readonly string[]): string;
  /** The accumulator's start and how it takes one more value. */
  init(op: 'sum' | 'max'): string;
  combine(op: 'sum' | 'max', acc: string, x: string): string;
}

/** What a target does with a cluster output's value inside the thread. */
export type Emit = (sink: number, value: string, index: string) => string[];

export const isClassReduction = (n: FusedNode) => n.kind === 'reduce' && n.over!.every((r) => r === 'class');
const varies = (n: FusedNode) => n.roles.includes('class');

/** Index arithmetic: offset + Σ coord·stride over the axes with a nonzero stride. */
export function indexOf(offset: number, strides: readonly number[], coords: readonly string[]): string {
  const terms = strides.flatMap((s, a) => (s === 0 ? [] : [s === 1 ? coords[a]! : `${coords[a]} * ${s}`]));
  if (offset !== 0 || terms.length === 0) terms.unshift(String(offset));
  return terms.join(' + ');
}

export interface LinearizeOptions {
  /** The sinks this thread produces (default all). */
  readonly sinks?: readonly number[];
  /** Class loops that only produce sinks run for this one class (a GLSL texel holds one element). */
  readonly fixedClass?: string;
  /** ... or for this many classes from it, fewer past the last class (a packed GLSL texel holds two; fixedClass is then a multiple of it). */
  readonly fixedClasses?: number;
}

/**
 * The statements of one thread for pixel `p` (an int variable the target defines): coordinates,
 * then the values level by level, each output handed to `emit`.
 */
export function linearize(call: GpuCall, d: Dialect, emit: Emit, options: LinearizeOptions = {}): string[] {
  const { cluster: c, classAxis } = call;
  const wanted = options.sinks ?? call.sinks.map((_, i) => i);
  const inside = new Set(c.nodes);
  const inputIndex = new Map(c.inputs.map((n, q) => [n, q]));
  /** A sum or max over class computed in this thread (an input that is one was finished by its own kernel). */
  const isInThread = (n: FusedNode) => inside.has(n) && isClassReduction(n);

  // the nodes the wanted sinks need, and the level (class loop) of each
  const isInlined = (n: FusedNode) => n.kind === 'literal' || n.kind === 'size';
  const sinkStarts = wanted.map((s) => (call.sinks[s]!.kind === 'partials' ? call.sinks[s]!.node.args[0]! : call.sinks[s]!.node));
  const needed = new Set(postOrder(sinkStarts, (n) => (!isInlined(n) && inside.has(n) ? n.args : [])).filter((n) => !isInlined(n)));
  // the level of a node: one more than its arguments' at each sum or max over class of this thread
  const level = new Map<FusedNode, number>();
  const levelOf = (n: FusedNode): number => level.get(n) ?? 0;
  for (const n of postOrder(c.nodes, (m) => m.args.filter((a) => inside.has(a))))
    if (inside.has(n)) {
      const args = Math.max(0, ...n.args.map(levelOf));
      level.set(n, isInThread(n) ? args + 1 : args);
    }
  const order = [...c.inputs, ...c.nodes].filter((n) => needed.has(n));
  const top = Math.max(0, ...order.map(levelOf));

  const lines: string[] = [];
  const coords = Array.from({ length: call.rank }, (_, a) => (a === classAxis ? 'c' : call.pixelShape[a]! > 1 ? `p${a}` : '0'));
  const pixelStrides = call.pixelShape.map((_, a) => call.pixelShape.slice(a + 1).reduce((x, y) => x * y, 1));
  // p's coordinates by one division per axis but the last, and no remainders (0 <= p < pixels;
  // integer division is slow where shaders run on the CPU, SwiftShader)
  const spanned = call.pixelShape.flatMap((n, a) => (n > 1 ? [a] : []));
  let rest = 'p';
  spanned.forEach((a, i) => {
    if (i === spanned.length - 1) {
      lines.push(d.constInt(`p${a}`, rest));
      return;
    }
    lines.push(d.constInt(`p${a}`, `${rest} / ${pixelStrides[a]}`));
    lines.push(d.constInt(`r${a}`, `${rest} - p${a} * ${pixelStrides[a]}`));
    rest = `r${a}`;
  });
  const pixelCoords = coords.map((x) => (x === 'c' ? '0' : x));

  const names = new Map<FusedNode, string>();
  let fresh = 0;
  const constant = (n: FusedNode) => d.float(n.kind === 'literal' ? n.value! : call.sizeOf(n));
  /** A flat port laid out like the pixels (the per-pixel values of an earlier kernel): its index is p plus the rest. */
  const byPixel = (port: Port) =>
    port.flat && spanned.length > 0 && port.strides.every((st, a) => (spanned.includes(a) ? st === pixelStrides[a] : a === classAxis || st === 0));
  const read = (n: FusedNode, at: readonly string[]) => {
    const q = inputIndex.get(n)!;
    const port = call.ports[q]!;
    const index = byPixel(port)
      ? `${indexOf(port.offset, port.strides.map((st, a) => (spanned.includes(a) ? 0 : st)), at)} + p`
      : indexOf(port.offset, port.strides, at);
    return d.read(port, q, index, at);
  };

  /**
   * A per-pixel value (computed once per thread, memoized). Its arguments are emitted first, in
   * dependency order, so a deep chain never recurses.
   */
  const pixel = (n: FusedNode): string => {
    if (isInlined(n)) return constant(n);
    const named = names.get(n);
    if (named) return named;
    for (const m of postOrder([n], (x) => (isInlined(x) || names.has(x) || inputIndex.has(x) ? [] : x.args))) {
      if (isInlined(m) || names.has(m)) continue;
      const name = `v${fresh++}`;
      const expr = inputIndex.has(m) ? read(m, pixelCoords) : d.op(m, m.args.map(pixel));
      lines.push(d.constFloat(name, expr));
      names.set(m, name);
    }
    return names.get(n)!;
  };
  /** The per-pixel values a class-varying chain uses (emitted before its loop opens). */
  const stopsChain = (n: FusedNode) => isInlined(n) || !varies(n) || isInThread(n);
  const prepare = (n: FusedNode) => {
    for (const m of postOrder([n], (x) => (stopsChain(x) || !inside.has(x) ? [] : x.args)))
      if (!isInlined(m) && !varies(m) && !isInThread(m)) pixel(m);
  };
  /** A value inside the current class loop (class-varying values recomputed per loop), arguments first. */
  const inLoop = (n: FusedNode, body: string[], memo: Map<FusedNode, string>): string => {
    const done = (x: FusedNode) => stopsChain(x) || memo.has(x);
    const value = (x: FusedNode): string =>
      isInlined(x) ? constant(x) : !varies(x) || isInThread(x) ? (names.get(x) ?? pixel(x)) : memo.get(x)!;
    for (const m of postOrder([n], (x) => (done(x) || inputIndex.has(x) ? [] : x.args))) {
      if (stopsChain(m)) value(m);
      if (done(m)) continue;
      const name = `v${fresh++}`;
      const expr = inputIndex.has(m) ? read(m, coords) : d.op(m, m.args.map(value));
      body.push(d.constFloat(name, expr));
      memo.set(m, name);
    }
    return value(n);
  };
  const sinkIndex = (s: number, at: readonly string[]) => indexOf(call.sinks[s]!.offset, call.sinks[s]!.strides, at);
  const keptIndex = (s: number, at: readonly string[]) => indexOf(0, call.sinks[s]!.strides, at);

  for (let l = 0; l <= top; l++) {
    // per-pixel outputs of this level
    for (const s of wanted) {
      const sink = call.sinks[s]!;
      const n = sink.node;
      if (sink.kind === 'store' && !varies(n) && !isInThread(n) && levelOf(n) === l) lines.push(...emit(s, pixel(n), sinkIndex(s, pixelCoords)));
      if (sink.kind === 'partials' && !varies(n.args[0]!) && levelOf(n.args[0]!) === l)
        lines.push(...emit(s, pixel(n.args[0]!), keptIndex(s, pixelCoords)));
    }
    // the class loop of this level: sums and maxes over class, class-varying outputs
    const reductions = order.filter((n) => isInThread(n) && levelOf(n.args[0]!) === l);
    const loopSinks = wanted.filter((s) => {
      const sink = call.sinks[s]!;
      const x = sink.kind === 'partials' ? sink.node.args[0]! : sink.node;
      return varies(x) && !isInThread(x) && levelOf(x) === l;
    });
    if (reductions.length === 0 && loopSinks.length === 0) continue;
    for (const r of reductions) prepare(r.args[0]!);
    for (const s of loopSinks) prepare(call.sinks[s]!.kind === 'partials' ? call.sinks[s]!.node.args[0]! : call.sinks[s]!.node);
    for (const r of reductions) {
      const name = `v${fresh++}`;
      names.set(r, name);
      lines.push(d.varFloat(name, d.init(r.op as 'sum' | 'max')));
    }
    const body: string[] = [];
    const memo = new Map<FusedNode, string>();
    for (const r of reductions) body.push(`${names.get(r)} = ${d.combine(r.op as 'sum' | 'max', names.get(r)!, inLoop(r.args[0]!, body, memo))};`);
    for (const s of loopSinks) {
      const sink = call.sinks[s]!;
      if (sink.kind === 'store') body.push(...emit(s, inLoop(sink.node, body, memo), sinkIndex(s, coords)));
      else body.push(...emit(s, inLoop(sink.node.args[0]!, body, memo), keptIndex(s, coords)));
    }
    const fixed = options.fixedClass !== undefined && reductions.length === 0;
    const span = fixed ? (options.fixedClasses ?? 1) : 1;
    if (fixed)
      // the body once per class, unrolled (a loop of dynamic bounds is slow on SwiftShader); classes
      // past the last are skipped, a test needed only where a texel's first class may be the last
      for (let k = 0; k < span; k++) {
        const from = k === 0 ? options.fixedClass! : `${options.fixedClass} + ${k}`;
        const guard = k > 0 && call.classCount % span !== 0 ? `if (${from} < ${call.classCount}) ` : '';
        lines.push(`${guard}{`, d.constInt('c', from), ...body, '}');
      }
    else lines.push(d.forInt('c', '0', String(call.classCount)), ...body, '}');
    // per-pixel outputs that are the sums and maxes just finished
    for (const s of wanted) {
      const sink = call.sinks[s]!;
      if (reductions.includes(sink.node)) lines.push(...emit(s, names.get(sink.node)!, sinkIndex(s, pixelCoords)));
    }
  }
  return lines;
}
