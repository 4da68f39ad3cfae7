import { type Roles, seededRandom } from '@losskit/core';
import type { CaseSizes, InputData, InputDomain, InputSpec } from './types.js';

/** The shape of an input spanning `roles`: batch, class, then the spatial dims, missing roles dropped. */
export function shapeOf(roles: Roles, sizes: CaseSizes): number[] {
  return roles.flatMap((r) => (r === 'batch' ? [sizes.batch] : r === 'class' ? [sizes.class] : [...sizes.spatial]));
}

const spatialCount = (sizes: CaseSizes): number => sizes.spatial.reduce((a, b) => a * b, 1);

/** Draws a value in [lo, hi) rounded to float32, so float32 backends see exactly the reference's inputs. */
const uniform = (random: () => number, lo: number, hi: number): number => Math.fround(lo + (hi - lo) * random());

/** Per-element draws for the domains that do not depend on class labels. */
const ELEMENT_DRAWS: Record<Exclude<InputDomain, 'onehot' | 'labels'>, (random: () => number) => number> = {
  logits: (r) => uniform(r, -3, 3),
  probability: (r) => uniform(r, 0.05, 0.95),
  binary: (r) => (r() < 0.5 ? 0 : 1),
  mask: (r) => (r() < 0.5 ? 0 : 1),
  real: (r) => uniform(r, -2, 2),
  positive: (r) => uniform(r, 0.5, 2),
  weight: (r) => uniform(r, 0, 2),
};

/**
 * Deterministic valid data for every input of a loss: logits in [-3,3], probabilities in
 * (0.05,0.95), one-hot targets from random labels, labels in [0,C), masks 0/1, positive values in
 * (0.5,2), real values in [-2,2]. One set of class labels is drawn per call, so a loss with both
 * a one-hot target and sparse labels sees the same classes in both. Every value is exactly
 * representable in float32.
 */
export function makeInputs(
  loss: { readonly inputs: Readonly<Record<string, InputSpec>> },
  sizes: CaseSizes,
  seed: number,
): Record<string, InputData> {
  const random = seededRandom(seed);
  const positions = sizes.batch * spatialCount(sizes);
  // one class label per (batch, spatial) position, laid out [N, ...spatial]
  const labels = Array.from({ length: positions }, () => Math.min(sizes.class - 1, Math.floor(random() * sizes.class)));
  const out: Record<string, InputData> = {};
  for (const name of Object.keys(loss.inputs).sort()) {
    const spec = loss.inputs[name]!;
    const shape = shapeOf(spec.roles, sizes);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    if (spec.domain === 'onehot' || spec.domain === 'labels') {
      forEachPosition(spec.roles, sizes, (i, b, c, s) => {
        const label = labels[b * spatialCount(sizes) + s]!;
        data[i] = spec.domain === 'labels' ? label : label === c ? 1 : 0;
      });
    } else {
      const draw = ELEMENT_DRAWS[spec.domain];
      for (let i = 0; i < n; i++) data[i] = draw(random);
    }
    out[name] = { shape, data };
  }
  return out;
}

/** Calls f(flatIndex, b, c, s) over a tensor spanning `roles` in NCHW-flattened order (missing roles at 0). */
export function forEachPosition(
  roles: Roles,
  sizes: CaseSizes,
  f: (i: number, b: number, c: number, s: number) => void,
): void {
  const nb = roles.includes('batch') ? sizes.batch : 1;
  const nc = roles.includes('class') ? sizes.class : 1;
  const ns = roles.includes('spatial') ? spatialCount(sizes) : 1;
  let i = 0;
  for (let b = 0; b < nb; b++) for (let c = 0; c < nc; c++) for (let s = 0; s < ns; s++) f(i++, b, c, s);
}
