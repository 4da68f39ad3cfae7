import type { BinaryOp, CompareOp, UnaryOp } from './ops.js';

/**
 * Scalar float64 semantics of every elementwise op: the reference evaluator runs them,
 * the simplifier folds constants with them, and backends are tested against them.
 *
 * @example
 * ```ts
 * import { UNARY_KERNELS } from '@losskit/core';
 * UNARY_KERNELS.softplus(0); // Math.log(2)
 * ```
 */
export const UNARY_KERNELS: Record<Exclude<UnaryOp, 'elu'>, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  square: (x) => x * x,
  relu: (x) => Math.max(x, 0),
  // 1/(1+e^-x), written per sign so neither branch overflows
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  // log(1+e^x) = max(x,0) + log1p(e^-|x|)
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  tanh: Math.tanh,
  stopGradient: (x) => x,
};

/** elu(x) = x for x > 0, alpha*(e^x - 1) otherwise */
export const elu = (x: number, alpha: number): number => (x > 0 ? x : alpha * Math.expm1(x));

/**
 * The float64 meaning of each binary op and comparison, as `evaluate` computes it.
 *
 * @example
 * ```ts
 * import { BINARY_KERNELS } from '@losskit/core';
 * BINARY_KERNELS.pow(2, 10); // 1024
 * BINARY_KERNELS.gt(3, 1); // 1
 * ```
 */
export const BINARY_KERNELS: Record<BinaryOp | CompareOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  min: Math.min,
  max: Math.max,
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

/** cond ? a : b with nonzero as true */
export const whereKernel = (c: number, a: number, b: number): number => (c !== 0 ? a : b);
