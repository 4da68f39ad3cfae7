import type { Node } from '../ir/node.js';
import { type Environment, type TensorValue, evaluateScalar } from '../evaluate.js';

/**
 * Central finite differences in float64 of a scalar expression with respect to every element
 * of one input: (f(x + h e_i) - f(x - h e_i)) / 2h.
 */
export function finiteDifferenceGradient(
  root: Node,
  name: string,
  env: Environment & { inputs: Record<string, { shape: readonly number[]; data: ArrayLike<number> }> },
  h = 1e-6,
): Float64Array {
  const base = env.inputs[name]!;
  const data = Float64Array.from(base.data);
  const out = new Float64Array(data.length);
  const at = (d: Float64Array) =>
    evaluateScalar(root, { ...env, inputs: { ...env.inputs, [name]: { shape: base.shape, data: d } as TensorValue } });
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    const step = h * Math.max(1, Math.abs(x));
    data[i] = x + step;
    const up = at(data);
    data[i] = x - step;
    const down = at(data);
    data[i] = x;
    out[i] = (up - down) / (2 * step);
  }
  return out;
}

/** Largest |a - b| / max(1, |b|) over the elements. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

export { seededRandom } from '../random.js';
