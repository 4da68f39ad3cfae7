/**
 * Logistic-type group lasso by proximal gradient descent:
 *   minimise  F(w, b) + lambda * sum_g sqrt(|g|) * ||w_g||_2
 * where F is any smooth loss of the linear predictor eta = X w + b (given as a callback that
 * returns F and dF/deta), the intercept b is not penalised, and each step is followed by
 * group soft-thresholding, the proximal map of the penalty:
 *   w_g <- max(0, 1 - t lambda sqrt(|g|) / ||v_g||) v_g.
 * The step t is found by backtracking on the usual sufficient-decrease test, so every iterate
 * lowers the objective even when F is not convex. The test compares values of F, so in float64
 * a relative tolerance much below 1e-9 on the step length is not reachable.
 */
import { seededRandom } from '@losskit/core';

export interface Design {
  /** n x p, row-major */
  readonly X: Float64Array;
  readonly n: number;
  readonly p: number;
  /** feature indices of each group (disjoint, covering 0..p-1) */
  readonly groups: readonly (readonly number[])[];
}

/** F(eta) and dF/deta for a linear predictor eta (length n). */
export type SmoothLoss = (eta: Float64Array) => { value: number; gradient: Float64Array };

export interface GroupLassoFit {
  readonly weights: Float64Array;
  readonly intercept: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** F + penalty at the solution */
  readonly objective: number;
}

export function linearPredictor(d: Design, w: Float64Array, b: number): Float64Array {
  const eta = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    let s = b;
    for (let j = 0; j < d.p; j++) s += d.X[i * d.p + j]! * w[j]!;
    eta[i] = s;
  }
  return eta;
}

/** dF/dw = X^T dF/deta, dF/db = sum dF/deta */
export function chainToWeights(d: Design, gEta: Float64Array): { gW: Float64Array; gB: number } {
  const gW = new Float64Array(d.p);
  let gB = 0;
  for (let i = 0; i < d.n; i++) {
    gB += gEta[i]!;
    for (let j = 0; j < d.p; j++) gW[j]! += d.X[i * d.p + j]! * gEta[i]!;
  }
  return { gW, gB };
}

function groupPenalty(d: Design, w: Float64Array, lambda: number): number {
  return d.groups.reduce((s, g) => s + lambda * Math.sqrt(g.length) * Math.hypot(...g.map((j) => w[j]!)), 0);
}

/** The proximal map of t * lambda * sum_g sqrt(|g|) ||v_g||. */
export function groupSoftThreshold(d: Design, v: Float64Array, threshold: number): Float64Array {
  const out = new Float64Array(v.length);
  for (const g of d.groups) {
    const norm = Math.hypot(...g.map((j) => v[j]!));
    const shrink = norm === 0 ? 0 : Math.max(0, 1 - (threshold * Math.sqrt(g.length)) / norm);
    for (const j of g) out[j] = shrink * v[j]!;
  }
  return out;
}

export function fitGroupLasso(
  d: Design,
  loss: SmoothLoss,
  lambda: number,
  options: { maxIterations?: number; tolerance?: number; initialStep?: number } = {},
): GroupLassoFit {
  const maxIterations = options.maxIterations ?? 5000;
  const tolerance = options.tolerance ?? 1e-10;
  let w: Float64Array = new Float64Array(d.p);
  let b = 0;
  let step = options.initialStep ?? 1;
  let current = loss(linearPredictor(d, w, b));
  for (let k = 1; k <= maxIterations; k++) {
    const { gW, gB } = chainToWeights(d, current.gradient);
    // backtracking: F(new) <= F(old) + <grad, new - old> + ||new - old||^2 / (2 step)
    for (;;) {
      const wNew = groupSoftThreshold(
        d,
        w.map((x, j) => x - step * gW[j]!),
        step * lambda,
      );
      const bNew = b - step * gB;
      const next = loss(linearPredictor(d, wNew, bNew));
      let inner = (bNew - b) * gB;
      let squared = (bNew - b) ** 2;
      for (let j = 0; j < d.p; j++) {
        const delta = wNew[j]! - w[j]!;
        inner += delta * gW[j]!;
        squared += delta * delta;
      }
      if (next.value <= current.value + inner + squared / (2 * step) + 1e-15 || step < 1e-12) {
        const change = Math.sqrt(squared);
        w = wNew;
        b = bNew;
        current = next;
        if (change <= tolerance * (1 + Math.hypot(...w, b)))
          return { weights: w, intercept: b, iterations: k, converged: true, objective: current.value + groupPenalty(d, w, lambda) };
        step *= 1.5; // let the step grow back after a cautious stretch
        break;
      }
      step /= 2;
    }
  }
  return { weights: w, intercept: b, iterations: maxIterations, converged: false, objective: current.value + groupPenalty(d, w, lambda) };
}


/** Standard normal draws by Box-Muller. */
export function seededNormal(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
