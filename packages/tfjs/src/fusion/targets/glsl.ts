import type { FusedNode } from '../graph.js';
import { type Dialect, type GpuCall, type Port, linearize } from '../gpu/linearize.js';
import { GPU_OPS, floatLiteral } from './gpu-ops.js';

/**
 * GLSL programs for the webgl backend (@tensorflow/tfjs-backend-webgl), run with
 * `backend.runWebGLProgram`.
 *
 * A fragment shader writes one value per texel, so one program per cluster writes a packed 1-D
 * output: texel i belongs to one output ("job") and computes just that value. An elementwise
 * output's texel runs its pixel's thread program for its one class; a sum over class runs the class
 * loop. A reduction over pixels is multi-pass: this program writes `count` partial results per
 * kept index (texel (g, k) sums pixels g, g + count, ...; a value kept per class only for k's
 * class), and the program that reads the reduction adds them. webgl runs its own plan of the
 * shared clusters (see `splitNestedClassReductions` and `recomputeElementwise`), so a texel
 * rarely reruns a class loop.
 */
/** The parts of a GPGPUProgram (tfjs-backend-webgl/src/gpgpu_math.ts) a fused program sets. */
export interface GlslProgram {
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly userCode: string;
  /** RGBA output: each texel holds a 2x2 block of the last two axes (tfjs's packed textures). */
  readonly packedOutput?: boolean;
}

/** The most partial results of one reduction (its readers add them in one loop). */
export const MAX_CHUNKS = 4096;

const f = (v: number) => floatLiteral(v, 'LK_INF', 'NAN');

/** Helpers the op table calls (see gpu-ops.ts), with the core's semantics in float32. */
const PROLOGUE = `
// +infinity (tfjs declares NAN for WebGL2 shaders, not INFINITY)
#define LK_INF uintBitsToFloat(0x7F800000u)
float lk_bool(bool b) { return b ? 1.0 : 0.0; }
float lk_where(float c, float a, float b) { return c != 0.0 ? a : b; }
float lk_log(float x) {
  if (x < 0.0) return NAN;
  if (x == 0.0) return -LK_INF;
  return log(x);
}
float lk_sqrt(float x) { return x < 0.0 ? NAN : sqrt(x); }
// log(1+x) = log(u) * x / (u - 1) with u = 1 + x rounded: exact to float32 near 0 (Goldberg)
float lk_log1p(float x) {
  float u = 1.0 + x;
  if (u == 1.0) return x;
  if (u == LK_INF) return u;
  return lk_log(u) * x / (u - 1.0);
}
// e^x - 1 = (u - 1) * x / log(u) with u = e^x rounded (Kahan)
float lk_expm1(float x) {
  float u = exp(x);
  if (u == 1.0) return x;
  if (u - 1.0 == -1.0) return -1.0;
  return (u - 1.0) * x / log(u);
}
float lk_elu(float x, float alpha) { return x > 0.0 ? x : alpha * lk_expm1(x); }
float lk_sigmoid(float x) {
  if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
  float e = exp(x);
  return e / (1.0 + e);
}
// Math.pow: a negative base needs an integer exponent (its parity gives the sign)
float lk_pow(float a, float b) {
  if (b == 0.0) return 1.0;
  if (a == 0.0) return b > 0.0 ? 0.0 : LK_INF;
  if (a > 0.0) return pow(a, b);
  if (floor(b) != b) return NAN;
  float m = pow(-a, b);
  return abs(mod(b, 2.0)) == 1.0 ? -m : m;
}
`;

const combine = (op: 'sum' | 'max', acc: string, x: string) => (op === 'sum' ? `${acc} + ${x}` : `max(${acc}, ${x})`);
const sampler = (v: number) => `getX${v}`;

export const GLSL: Dialect = {
  float: f,
  op: (node: FusedNode, args) => {
    const code = GPU_OPS[node.op];
    if (!code) throw new Error(`no GLSL code for op '${node.op}'`);
    return code(args, node, f);
  },
  constFloat: (name, expr) => `float ${name} = ${expr};`,
  varFloat: (name, expr) => `float ${name} = ${expr};`,
  constInt: (name, expr) => `int ${name} = ${expr};`,
  forInt: (v, from, to) => `for (int ${v} = ${from}; ${v} < ${to}; ${v}++) {`,
  read: (port: Port, q, index, coords) => {
    if (port.partials) return `lk_in${q}(${index})`;
    if (port.flat) return `${sampler(port.variable)}(${index})`;
    // an external tensor through tfjs's sampler of its own rank; 0 along its size-1 axes
    return `${sampler(port.variable)}(${port.shape.map((n, a) => (n > 1 ? coords[a] : '0')).join(', ')})`;
  },
  init: (op) => (op === 'sum' ? '0.0' : '-LK_INF'),
  combine,
};

function finish(port: Port, q: number): string {
  const { count, stride, op } = port.partials!;
  return `float lk_in${q}(int k) {
  float a = ${GLSL.init(op)};
  for (int g = 0; g < ${count}; g++) { a = ${combine(op, 'a', `${sampler(port.variable)}(k + g * ${stride})`)}; }
  return a;
}`;
}

/**
 * Chunks of a reduction over `pixels` pixels: one per 64 pixels (at most MAX_CHUNKS), many short
 * texels rather than a few long ones (on SwiftShader the partials pass of exp 7 and Dice+CE at 2^20
 * took 0.7-1.0x the time it took with √pixels chunks); the readers are the few texels of the small
 * clusters after it (the webgl plan never finishes a reduction over pixels once per element).
 */
export function glslChunks(pixels: number): number {
  return Math.max(1, Math.min(MAX_CHUNKS, Math.round(pixels / 64)));
}

/**
 * Whether a call's output is written packed: its one output, a value stored for every element, that
 * only the caller gets (our programs read unpacked textures). On SwiftShader a texel costs a fixed
 * overhead however little it computes, and the gradient is the largest output of a call: packed, it
 * takes a quarter of the texels. Written at its own shape (rank 2-4, where tfjs's packed output
 * coordinates are plain ivecs), so the caller's reshape to it is free.
 */
export function glslPacks(call: GpuCall, rootsOnly: boolean): boolean {
  const [sink] = call.sinks;
  return rootsOnly && call.sinks.length === 1 && sink!.kind === 'store' && sink!.size === call.total && call.rank >= 2 && call.rank <= 4;
}

/** The webgl program of one cluster call; `inputs` tensors are bound as X0, X1, ... (`packed`: see `glslPacks`). */
export function glslProgram(call: GpuCall, inputs: number, packed = false): GlslProgram {
  const pixelStrides = call.pixelShape.map((_, a) => call.pixelShape.slice(a + 1).reduce((x, y) => x * y, 1));
  const jobs = call.sinks.map((sink, s) => {
    const lines: string[] = [`float job${s}(int j) {`];
    if (sink.kind === 'store') {
      lines.push(...elementOf(call, s, pixelStrides));
      const body = linearize(call, GLSL, (_, value) => [`return ${value};`], { sinks: [s], fixedClass: 'cs' });
      lines.push(...body.map((l) => `  ${l}`));
    } else {
      const op = call.cluster.outputs[s]!.op as 'sum' | 'max';
      lines.push(`  int g = j / ${sink.size};`, `  int k = j - g * ${sink.size};`, `  float acc = ${GLSL.init(op)};`);
      // a value kept per class is computed for k's class only (not for every class, then dropped)
      const classStride = call.classAxis >= 0 ? sink.strides[call.classAxis]! : 0;
      if (classStride !== 0) lines.push(`  int kc = (k / ${classStride}) % ${call.classCount};`);
      const body = linearize(call, GLSL, (_, value, index) => [`if (${index} == k) { acc = ${combine(op, 'acc', value)}; }`], {
        sinks: [s],
        ...(classStride !== 0 ? { fixedClass: 'kc' } : {}),
      });
      lines.push(`  for (int p = g; p < ${call.pixels}; p += ${call.partialCount}) {`, ...body.map((l) => `    ${l}`), '  }', '  return acc;');
    }
    lines.push('  return 0.0;', '}');
    return lines.join('\n');
  });
  const ends = call.sinks.map((s) => s.offset + (s.kind === 'store' ? s.size : s.size * call.partialCount));
  const dispatch = call.sinks.map((s, i) => `${i === 0 ? '' : 'else '}if (i < ${ends[i]}) v = job${i}(i - ${s.offset});`);
  const head = [PROLOGUE, ...call.ports.flatMap((p, q) => (p.partials ? [finish(p, q)] : [])), ...jobs];
  const variableNames = Array.from({ length: inputs }, (_, i) => `X${i}`);
  if (packed) {
    // the texel of the 2x2 block at (row r, column c) of the last two axes: its four elements'
    // flat indices are i, i + 1 (next column), i + cols (next row), i + cols + 1; lanes past the
    // shape's end are padding (left 0)
    const shape = call.sinks[0]!.shape;
    const rank = shape.length;
    const [rows, cols] = [shape[rank - 2]!, shape[rank - 1]!];
    const strides = contiguousStrides(shape);
    const index = [`  ivec${rank} rc = getOutputCoords();`, `  int i = ${strides.map((st, a) => `rc[${a}] * ${st}`).join(' + ')};`];
    const down = `rc[${rank - 2}] + 1 < ${rows}`;
    // class the last axis: a row of the block is one pixel's two classes, its pixel values computed once
    const pairs = call.classAxis === rank - 1 && cols > 1;
    const main = pairs
      ? [...index, `  vec2 top = pair0(i);`, `  vec2 bottom = ${down} ? pair0(i + ${cols}) : vec2(0.0);`, '  setOutput(vec4(top, bottom));']
      : [
          ...index,
          `  bool right = rc[${rank - 1}] + 1 < ${cols};`,
          `  bool down = ${down};`,
          '  vec4 v = vec4(job0(i), 0.0, 0.0, 0.0);',
          '  if (right) v.y = job0(i + 1);',
          `  if (down) v.z = job0(i + ${cols});`,
          `  if (right && down) v.w = job0(i + ${cols + 1});`,
          '  setOutput(v);',
        ];
    const userCode = [...head, ...(pairs ? [pair(call, pixelStrides)] : []), 'void main() {', ...main, '}'].join('\n');
    return { variableNames, outputShape: [...shape], userCode, packedOutput: true };
  }
  const userCode = [
    ...head,
    'void main() {',
    '  int i = getOutputCoords();',
    '  float v = 0.0;',
    ...dispatch.map((l) => `  ${l}`),
    '  setOutput(v);',
    '}',
  ].join('\n');
  return { variableNames, outputShape: [call.total], userCode };
}

const contiguousStrides = (shape: readonly number[]) => shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));

/** The pixel `p` and class `cs` of element j of sink s (its own shape, contiguous). */
function elementOf(call: GpuCall, s: number, pixelStrides: readonly number[]): string[] {
  const sink = call.sinks[s]!;
  // over every pixel of the cluster (and, class last, every class): j itself, no division per axis
  // (integer division is slow on SwiftShader, which runs shaders on the CPU)
  const last = sink.shape.length - 1;
  const classes = call.classAxis >= 0 ? sink.shape[call.classAxis]! : 1;
  if (sink.shape.every((n, a) => a === call.classAxis || n === call.pixelShape[a])) {
    if (classes === 1) return ['  int p = j;', '  int cs = 0;'];
    if (call.classAxis === last) return [`  int p = j / ${classes};`, `  int cs = j - p * ${classes};`];
  }
  const terms: string[] = [];
  let cls = '0';
  sink.strides.forEach((stride, a) => {
    if (stride === 0) return;
    const coord = `((j / ${stride}) % ${extent(sink.strides, sink.size, a)})`;
    if (a === call.classAxis) cls = coord;
    else terms.push(`${coord} * ${pixelStrides[a]}`);
  });
  return [`  int p = ${terms.join(' + ') || '0'};`, `  int cs = ${cls};`];
}

/** Elements j and j + 1 of the one output, classes cs and cs + 1 of one pixel (the second 0 past the last class). */
function pair(call: GpuCall, pixelStrides: readonly number[]): string {
  const body = linearize(call, GLSL, (_, value) => [`if (c == cs) r.x = ${value}; else if (c == cs + 1) r.y = ${value};`], {
    sinks: [0],
    fixedClass: 'cs',
    fixedClasses: 2,
  });
  return ['vec2 pair0(int j) {', ...elementOf(call, 0, pixelStrides), '  vec2 r = vec2(0.0);', ...body.map((l) => `  ${l}`), '  return r;', '}'].join('\n');
}

/** The size of axis a of a contiguous shape given its strides (0 for size-1 axes) and element count. */
function extent(strides: readonly number[], size: number, a: number): number {
  const outer = strides.slice(0, a).filter((s) => s !== 0).at(-1) ?? size;
  return outer / strides[a]!;
}
