/**
 * Central differences in float64: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h, error O(h^2).
 * `f` must not keep or modify the array it is given.
 */
export function finiteDifference(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-5): Float64Array {
  const at = Float64Array.from(x);
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const xi = at[i]!;
    at[i] = xi + h;
    const up = f(at);
    at[i] = xi - h;
    const down = f(at);
    at[i] = xi;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}
