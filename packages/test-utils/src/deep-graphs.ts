import type { BackendRun } from './types.js';

/** The data the deep- and wide-graph tests feed input `x` ([2, 3, 2, 2], NCHW; smooth, seeded). */
export const deepGraphInputs = (seed: number) => ({
  inputs: { x: { shape: [2, 3, 2, 2], data: Float64Array.from({ length: 24 }, (_, i) => Math.sin(seed + i) * 1.5) } },
  params: {},
});

/** Largest |a - b| / (1 + |b|) over the value and d/dx: a float32 run against the float64 reference. */
export function worstRunError(got: BackendRun, want: BackendRun): number {
  let w = 0;
  const at = (a: Float64Array, b: Float64Array) => {
    for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  };
  at(got.value, want.value);
  if (want.gradients.x) at(got.gradients.x!, want.gradients.x);
  return w;
}
