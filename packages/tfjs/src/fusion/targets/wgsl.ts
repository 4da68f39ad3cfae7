import type { FusedNode } from '../graph.js';
import { type Dialect, type GpuCall, type Port, linearize } from '../gpu/linearize.js';
import { GPU_OPS, floatLiteral } from './gpu-ops.js';

/**
 * WGSL compute shaders for @tensorflow/tfjs-backend-webgpu, run with `backend.runWebGPUProgram`.
 *
 * One shader per cluster. Each thread walks pixels with a grid stride (pixel p, p + T, ... for T
 * threads), computing every output of the cluster for each: elementwise outputs and sums over
 * class are stored straight into the packed output; a reduction over pixels accumulates in the
 * thread's registers (one accumulator per kept index, e.g. per class), then the workgroup adds its
 * 64 threads' accumulators in workgroup memory (a tree: 32, 16, ..., 1 adds) and thread 0 stores
 * one partial result per workgroup. The kernel that reads the reduction adds the partial results
 * (at most `MAX_GROUPS` of them): two passes in all, no atomics.
 */

/** Threads per workgroup (a power of two: the tree halves it). */
export const WORKGROUP = 64;
/** Workgroups of a cluster with reductions over pixels: the partial results a reader adds. */
export const MAX_GROUPS = 256;
/** The most kept values a reduction over pixels may have (its accumulators live in registers). */
export const MAX_KEPT = 32;

/** The parts of a WebGPUProgram (tfjs-backend-webgpu/src/webgpu_program.ts) a fused kernel sets. */
export interface WgslProgram {
  readonly shaderKey: string;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly variableNames: string[];
  getUserCode(): string;
}

const f = (v: number) => floatLiteral(v, 'uniforms.INFINITY', 'uniforms.NAN');

/** Helpers the op table calls (see gpu-ops.ts), with the core's semantics in float32. */
const PROLOGUE = `
fn lk_bool(b: bool) -> f32 { return select(0.0, 1.0, b); }
fn lk_where(c: f32, a: f32, b: f32) -> f32 { return select(b, a, c != 0.0); }
fn lk_log(x: f32) -> f32 {
  if (x < 0.0) { return uniforms.NAN; }
  if (x == 0.0) { return -uniforms.INFINITY; }
  return log(x);
}
fn lk_sqrt(x: f32) -> f32 { if (x < 0.0) { return uniforms.NAN; } return sqrt(x); }
// log(1+x) = log(u) * x / (u - 1) with u = 1 + x rounded: exact to float32 near 0 (Goldberg)
fn lk_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0 || u == uniforms.INFINITY) { return select(u, x, u == 1.0); }
  return lk_log(u) * x / (u - 1.0);
}
// e^x - 1 = (u - 1) * x / log(u) with u = e^x rounded (Kahan)
fn lk_expm1(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  if (u - 1.0 == -1.0) { return -1.0; }
  return (u - 1.0) * x / log(u);
}
fn lk_elu(x: f32, alpha: f32) -> f32 { if (x > 0.0) { return x; } return alpha * lk_expm1(x); }
fn lk_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
// Math.pow: a negative base needs an integer exponent (its parity gives the sign)
fn lk_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(uniforms.INFINITY, 0.0, b > 0.0); }
  if (a > 0.0) { return pow(a, b); }
  if (floor(b) != b) { return uniforms.NAN; }
  let m = pow(-a, b);
  return select(m, -m, abs(b % 2.0) == 1.0);
}
`;

const combine = (op: 'sum' | 'max', acc: string, x: string) => (op === 'sum' ? `${acc} + ${x}` : `max(${acc}, ${x})`);

export const WGSL: Dialect = {
  float: f,
  op: (node: FusedNode, args) => {
    const code = GPU_OPS[node.op];
    if (!code) throw new Error(`no WGSL code for op '${node.op}'`);
    return code(args, node, f);
  },
  constFloat: (name, expr) => `let ${name}: f32 = ${expr};`,
  varFloat: (name, expr) => `var ${name}: f32 = ${expr};`,
  constInt: (name, expr) => `let ${name}: i32 = ${expr};`,
  forInt: (v, from, to) => `for (var ${v}: i32 = ${from}; ${v} < ${to}; ${v} = ${v} + 1) {`,
  read: (port: Port, q, index) => (port.partials ? `lk_in${q}(${index})` : `f32(X${port.variable}[${index}])`),
  init: (op) => (op === 'sum' ? '0.0' : '-uniforms.INFINITY'),
  combine,
};

/** A reader's sum (or max) of a reduction's partial results: one per workgroup of the kernel that wrote it. */
function finish(port: Port, q: number): string {
  const { count, stride, op } = port.partials!;
  return `fn lk_in${q}(k: i32) -> f32 {
  var a: f32 = ${WGSL.init(op)};
  for (var g: i32 = 0; g < ${count}; g = g + 1) { a = ${combine(op, 'a', `f32(X${port.variable}[k + g * ${stride}])`)}; }
  return a;
}`;
}

/** How many workgroups a cluster call runs (and partial results each reduction over pixels leaves). */
export function wgslGroups(pixels: number, reducesPixels: boolean): number {
  const groups = Math.ceil(pixels / WORKGROUP);
  return reducesPixels ? Math.min(groups, MAX_GROUPS) : Math.min(groups, 65535);
}

/** Why a cluster call cannot run as one WGSL shader, or undefined. */
export function wgslUnsupported(call: GpuCall): string | undefined {
  const big = call.sinks.find((s) => s.kind === 'partials' && s.size > MAX_KEPT);
  if (big) return `a reduction over pixels keeps ${big.size} values (at most ${MAX_KEPT} accumulators per thread)`;
  return undefined;
}

const ids = new Map<string, number>();

/** The WebGPU program of one cluster call; `inputs` tensors are bound as X0, X1, ... */
export function wgslProgram(call: GpuCall, inputs: number): WgslProgram {
  const threads = call.partialCount * WORKGROUP;
  const partials = call.sinks.flatMap((s, i) => (s.kind === 'partials' ? [i] : []));
  const body = linearize(call, WGSL, (s, value, index) =>
    call.sinks[s]!.kind === 'store' ? [`result[${index}] = ${value};`] : [`acc${s}[${index}] = ${combine(call.cluster.outputs[s]!.op as 'sum' | 'max', `acc${s}[${index}]`, value)};`],
  );
  const tree = partials.flatMap((s) => {
    const { size, offset } = call.sinks[s]!;
    const op = call.cluster.outputs[s]!.op as 'sum' | 'max';
    return [
      `for (var k: i32 = 0; k < ${size}; k = k + 1) {`,
      `  lk_red[lid] = acc${s}[k];`,
      '  workgroupBarrier();',
      `  for (var h: i32 = ${WORKGROUP / 2}; h > 0; h = h / 2) {`,
      `    if (lid < h) { lk_red[lid] = ${combine(op, 'lk_red[lid]', 'lk_red[lid + h]')}; }`,
      '    workgroupBarrier();',
      '  }',
      `  if (lid == 0) { result[${offset} + i32(workgroupId.x) * ${size} + k] = lk_red[0]; }`,
      '  workgroupBarrier();',
      '}',
    ];
  });
  const source = [
    PROLOGUE,
    partials.length > 0 ? `var<workgroup> lk_red: array<f32, ${WORKGROUP}>;` : '',
    ...call.ports.flatMap((p, q) => (p.partials ? [finish(p, q)] : [])),
    'fn main(index: i32) {',
    // every binding used, so the pipeline's automatic layout keeps each binding tfjs binds
    '  _ = uniforms.NAN;',
    ...Array.from({ length: inputs }, (_, i) => `  _ = X${i}[0];`),
    '  let lid = i32(localId.x);',
    ...partials.map((s) => {
      const op = call.cluster.outputs[s]!.op as 'sum' | 'max';
      return `  var acc${s}: array<f32, ${call.sinks[s]!.size}>;\n  for (var k: i32 = 0; k < ${call.sinks[s]!.size}; k = k + 1) { acc${s}[k] = ${WGSL.init(op)}; }`;
    }),
    `  for (var p: i32 = index; p < ${call.pixels}; p = p + ${threads}) {`,
    ...body.map((l) => `    ${l}`),
    '  }',
    ...tree.map((l) => `  ${l}`),
    '}',
  ].join('\n');
  let id = ids.get(source);
  if (id === undefined) {
    id = ids.size;
    ids.set(source, id);
  }
  return {
    shaderKey: `losskitFused${id}`,
    outputShape: [call.total],
    dispatchLayout: { x: [0] },
    dispatch: [call.partialCount, 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    variableNames: Array.from({ length: inputs }, (_, i) => `X${i}`),
    getUserCode: () => source,
  };
}
