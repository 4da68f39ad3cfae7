import type { FusedNode } from '../graph.js';

/**
 * The elementwise ops of the fused graph as GPU code, shared by WGSL and GLSL (the languages
 * agree on these spellings; `lk_*` are helpers each target defines in its prologue). Each entry
 * means what the core's float64 kernel computes (`UNARY_KERNELS` / `BINARY_KERNELS`), in float32:
 * log of a negative is NaN, pow of a negative base needs an integer exponent, tanh saturates
 * instead of overflowing, log1p/expm1 keep their precision near 0.
 */
export type OpCode = (args: readonly string[], node: FusedNode, f: (v: number) => string) => string;

export const GPU_OPS: Record<string, OpCode> = {
  neg: ([x]) => `(-${x})`,
  exp: ([x]) => `exp(${x})`,
  log: ([x]) => `lk_log(${x})`,
  log1p: ([x]) => `lk_log1p(${x})`,
  sqrt: ([x]) => `lk_sqrt(${x})`,
  abs: ([x]) => `abs(${x})`,
  sign: ([x]) => `sign(${x})`,
  square: ([x]) => `(${x} * ${x})`,
  relu: ([x]) => `max(${x}, 0.0)`,
  // elu(x) = x for x > 0, alpha (e^x - 1) otherwise
  elu: ([x], n, f) => `lk_elu(${x}, ${f(n.value!)})`,
  // 1/(1+e^-x), per sign so neither branch overflows
  sigmoid: ([x]) => `lk_sigmoid(${x})`,
  // log(1+e^x) = max(x,0) + log1p(e^-|x|)
  softplus: ([x]) => `(max(${x}, 0.0) + lk_log1p(exp(-abs(${x}))))`,
  // tanh(±15) is ±1 in float32; clamping keeps e^2x from overflowing to inf/inf
  tanh: ([x]) => `tanh(clamp(${x}, -15.0, 15.0))`,
  stopGradient: ([x]) => x!,
  add: ([a, b]) => `(${a} + ${b})`,
  sub: ([a, b]) => `(${a} - ${b})`,
  mul: ([a, b]) => `(${a} * ${b})`,
  div: ([a, b]) => `(${a} / ${b})`,
  pow: ([a, b]) => `lk_pow(${a}, ${b})`,
  min: ([a, b]) => `min(${a}, ${b})`,
  max: ([a, b]) => `max(${a}, ${b})`,
  gt: ([a, b]) => `lk_bool(${a} > ${b})`,
  ge: ([a, b]) => `lk_bool(${a} >= ${b})`,
  lt: ([a, b]) => `lk_bool(${a} < ${b})`,
  le: ([a, b]) => `lk_bool(${a} <= ${b})`,
  eq: ([a, b]) => `lk_bool(${a} == ${b})`,
  where: ([c, a, b]) => `lk_where(${c}, ${a}, ${b})`,
};

/** Every op of the fused graph a GPU target can express (the planner falls back for others). */
export const gpuCanExpress = (op: string) => op in GPU_OPS;

/**
 * A literal as the float32 value the unfused lowering would hold, in a GPU float literal
 * (`inf` / `nan` are the names a target gives infinity and NaN).
 */
export function floatLiteral(v: number, inf: string, nan: string): string {
  if (Number.isNaN(v)) return nan;
  if (v === Number.POSITIVE_INFINITY) return inf;
  if (v === Number.NEGATIVE_INFINITY) return `(-${inf})`;
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f > 0 ? inf : `(-${inf})`;
  if (Object.is(f, -0)) return '(-0.0)';
  let s = String(f);
  if (!/[.e]/.test(s)) s += '.0';
  else if (/e/.test(s) && !/\./.test(s)) s = s.replace('e', '.0e');
  return f < 0 ? `(${s})` : s;
}
