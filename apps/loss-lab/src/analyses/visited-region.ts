/**
 * Where (L1, L2) can be for a softmax over C classes with a one-hot target, so the heatmaps of
 * Eqs. (1)-(9) can cover the region training visits instead of all of [0, 1]².
 *
 * One pixel: with e = 1 − p_true, L1_px = mean_c |p_c − t_c| = 2e / C, and the wrong mass e
 * spread over the C − 1 other classes gives Σ q² between e² / (C − 1) (spread evenly) and e²
 * (all on one class), so L2_px = (e² + Σ q²) / C lies in
 *
 *   k L1² ≤ L2_px ≤ (C / 2) L1²,   k = C² / (4 (C − 1)),   0 ≤ L1 ≤ 2 / C.
 *
 * A batch mean of pixels (what a training path records) lies in the convex hull of that set:
 * the lower curve is convex, so it stays (Jensen: mean L2 ≥ k mean(L1²) ≥ k mean(L1)²), and the
 * upper curve is replaced by its chord from (0, 0) to (2/C, 2/C): mean L2 ≤ mean L1. L2 > L1 is
 * never reached.
 */
export const lowerL2 = (l1: number, classes: number) => (classes * classes * l1 * l1) / (4 * (classes - 1));
export const pixelUpperL2 = (l1: number, classes: number) => (classes / 2) * l1 * l1;

/** Whether a batch mean (L1, L2) of C-class pixels can be there (the convex hull above). */
export function reachableByBatchMean(l1: number, l2: number, classes: number, tolerance = 1e-12): boolean {
  return l1 >= -tolerance && l1 <= 2 / classes + tolerance && l2 >= lowerL2(l1, classes) - tolerance && l2 <= l1 + tolerance;
}

/**
 * The paper experiment that trains with each equation (docs/paper.md §7): Eq. (1) -> 2, (2) -> 3,
 * (3) -> 4 (convex), (4) -> 13, (5) -> 8, (6) -> 18, (7) -> 23, (8) -> 24, (9) -> 27, each with
 * the filter its equation prints (none, ReLU for (8), Bi-eLU for (9)).
 */
export const EQUATION_EXPERIMENT: Readonly<Record<number, number>> = { 1: 2, 2: 3, 3: 4, 4: 13, 5: 8, 6: 18, 7: 23, 8: 24, 9: 27 };
