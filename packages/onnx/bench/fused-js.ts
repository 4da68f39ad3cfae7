import { type HybridScalar, numberScalars } from './scalar-terms.js';

/** Loss data laid out NCHW (spatial flattened): logits, and integer labels [N, HW] or a one-hot target. */
export interface BenchData {
  readonly N: number;
  readonly C: number;
  readonly HW: number;
  readonly pred: Float32Array;
  readonly labels: Float32Array;
  readonly target: Float32Array;
}

/**
 * Cross-entropy + hybrid term, value and d/dpred, written by hand as an expert would in plain JS:
 * pass 1 per pixel computes the softmax (kept), cross-entropy and the L1/L2 sums; the global means
 * fix the scalar coefficients; pass 2 writes the gradient
 *   g_c = (dL1 sign(d_c) + 2 dL2 d_c) / n,  grad_c = p_c (g_c - sum_k g_k p_k) + d_c / (N HW).
 */
export function fusedHybrid(
  term: HybridScalar,
  data: BenchData,
  A: number,
  B: number,
  grad: Float32Array,
  p: Float32Array,
): number {
  const { N, C, HW, pred: x, labels } = data;
  let ce = 0;
  let l1 = 0;
  let l2 = 0;
  for (let b = 0; b < N; b++) {
    const base = b * C * HW;
    for (let s = 0; s < HW; s++) {
      const label = labels[b * HW + s]!;
      let m = Number.NEGATIVE_INFINITY;
      for (let c = 0, i = base + s; c < C; c++, i += HW) m = Math.max(m, x[i]!);
      let z = 0;
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const e = Math.exp(x[i]! - m);
        p[i] = e;
        z += e;
      }
      const inv = 1 / z;
      ce -= x[base + label * HW + s]! - m - Math.log(z);
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const pc = p[i]! * inv;
        p[i] = pc;
        const d = pc - (c === label ? 1 : 0);
        l1 += Math.abs(d);
        l2 += d * d;
      }
    }
  }
  const n = N * C * HW;
  const pixels = N * HW;
  const t = term(numberScalars, l1 / n, l2 / n, A, B);
  const a = t.dL1 / n;
  const b2 = (2 * t.dL2) / n;
  const k = 1 / pixels;
  for (let b = 0; b < N; b++) {
    const base = b * C * HW;
    for (let s = 0; s < HW; s++) {
      const label = labels[b * HW + s]!;
      let dot = 0;
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const d = p[i]! - (c === label ? 1 : 0);
        const g = a * Math.sign(d) + b2 * d;
        grad[i] = g;
        dot += g * p[i]!;
      }
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const d = p[i]! - (c === label ? 1 : 0);
        grad[i] = p[i]! * (grad[i]! - dot) + k * d;
      }
    }
  }
  return ce / pixels + t.f;
}

/**
 * Categorical cross-entropy + Dice (catalogue defaults: softmax, smooth 1e-5, denominator floor
 * 1e-7) against a one-hot target, value and d/dpred by hand: pass 1 softmax, CE and the per-class
 * sums I_c = sum p t, S_c = sum p + sum t; pass 2 the gradient
 *   dDice/dp_c = -(2 t / D_c - (2 I_c + eps) / D_c^2 [S_c + eps >= 1e-7]) / C,  D_c = max(S_c + eps, 1e-7)
 * plus the cross-entropy gradient (p - t) / (N HW) (one-hot target).
 */
export function fusedDiceCe(data: BenchData, grad: Float32Array, p: Float32Array, scratch: Float64Array): number {
  const { N, C, HW, pred: x, target } = data;
  const eps = 1e-5;
  const inter = scratch.subarray(0, C).fill(0);
  const total = scratch.subarray(C, 2 * C).fill(0);
  let ce = 0;
  for (let b = 0; b < N; b++) {
    const base = b * C * HW;
    for (let s = 0; s < HW; s++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let c = 0, i = base + s; c < C; c++, i += HW) m = Math.max(m, x[i]!);
      let z = 0;
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const e = Math.exp(x[i]! - m);
        p[i] = e;
        z += e;
      }
      const inv = 1 / z;
      const logZ = Math.log(z) + m;
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const pc = p[i]! * inv;
        const t = target[i]!;
        p[i] = pc;
        ce -= t * (x[i]! - logZ);
        inter[c]! += pc * t;
        total[c]! += pc + t;
      }
    }
  }
  let dice = 0;
  const coefT = new Float64Array(C);
  const coef0 = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const raw = total[c]! + eps;
    const D = Math.max(raw, 1e-7);
    const num = 2 * inter[c]! + eps;
    dice += 1 - num / D;
    coefT[c] = -2 / (D * C);
    coef0[c] = raw >= 1e-7 ? num / (D * D * C) : 0;
  }
  const k = 1 / (N * HW);
  for (let b = 0; b < N; b++) {
    const base = b * C * HW;
    for (let s = 0; s < HW; s++) {
      let dot = 0;
      for (let c = 0, i = base + s; c < C; c++, i += HW) {
        const g = coefT[c]! * target[i]! + coef0[c]!;
        grad[i] = g;
        dot += g * p[i]!;
      }
      for (let c = 0, i = base + s; c < C; c++, i += HW) grad[i] = p[i]! * (grad[i]! - dot) + k * (p[i]! - target[i]!);
    }
  }
  return ce * k + dice / C;
}
