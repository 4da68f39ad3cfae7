import { type Node, evaluate, gradient } from '@losskit/core';

/** Named columns of equal length, each bound to an input with roles ['batch']. */
export type Columns = Readonly<Record<string, Float64Array>>;

const asInputs = (columns: Columns) =>
  Object.fromEntries(Object.entries(columns).map(([name, data]) => [name, { shape: [data.length], data }]));

/**
 * Evaluates an elementwise expression over batch columns with the core's float64 reference
 * evaluator. Non-finite results (exp overflow, sqrt of a negative) are kept: callers decide.
 */
export function evaluateColumns(expr: Node, columns: Columns, params: Readonly<Record<string, number>> = {}): Float64Array {
  const { value } = evaluate(expr, { inputs: asInputs(columns), params, allowNonFinite: true });
  const n = Object.values(columns)[0]?.length ?? 1;
  if (value.data.length === n) return value.data;
  if (value.data.length === 1) return new Float64Array(n).fill(value.data[0]!);
  throw new Error(`expected ${n} values from an elementwise expression, got ${value.data.length}`);
}

/**
 * Partial derivatives of an elementwise expression with respect to each named input, per
 * element: the core's symbolic gradient of sum(expr) is d expr_i / d input_i at element i.
 */
export function gradientColumns(
  expr: Node,
  wrt: readonly Node[],
  columns: Columns,
  params: Readonly<Record<string, number>> = {},
): Float64Array[] {
  const partials = gradient(expr, wrt);
  return partials.map((p) => evaluateColumns(p, columns, params));
}

/** n evenly spaced values from a to b, both ends included. */
export function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? a : a + ((b - a) * i) / (n - 1);
  return out;
}

/** A rectangular grid flattened row by row (y outer, x inner), as two columns. */
export function meshgrid(xs: Float64Array, ys: Float64Array): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(xs.length * ys.length);
  const y = new Float64Array(xs.length * ys.length);
  ys.forEach((yv, j) => {
    xs.forEach((xv, i) => {
      x[j * xs.length + i] = xv;
      y[j * xs.length + i] = yv;
    });
  });
  return { x, y };
}

/** null for NaN and infinities (JSON and Vega treat null as missing). */
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
