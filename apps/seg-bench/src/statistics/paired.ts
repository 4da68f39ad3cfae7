// Paired comparison of two losses over seeds: the same seed gives both runs the same initial
// weights and data order, so the per-seed difference removes that shared noise.
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import wilcoxon from '@stdlib/stats-wilcoxon';

export interface PairedComparison {
  /** Seeds present in both runs. */
  readonly n: number;
  /** Mean of (treatment - baseline) over the paired seeds. */
  readonly meanDiff: number;
  /** Sample standard deviation (n - 1) of the differences. */
  readonly sdDiff: number;
  /** 95 % confidence interval of the mean difference (Student t, n - 1 degrees of freedom); null below 2 seeds. */
  readonly ci95: readonly [number, number] | null;
  /** Two-sided paired t-test p-value; null below 2 seeds or when the differences have no spread. */
  readonly pT: number | null;
  /** Two-sided Wilcoxon signed-rank p-value (exact for n < 50); null below 2 seeds or when every difference is 0. */
  readonly pWilcoxon: number | null;
  /**
   * Seeds a paired t-test needs to detect the observed mean difference with 80 % power at a
   * two-sided 5 % level; null when there is no effect or no spread to size it from.
   */
  readonly seedsNeeded: number | null;
}

const ALPHA = 0.05;
const POWER = 0.8;

/**
 * Compares per-seed values (`seed -> value`) of a treatment against a baseline. Seeds missing on
 * either side, or with a non-finite value, are left out of the pairing.
 */
export function pairedComparison(baseline: ReadonlyMap<number, number>, treatment: ReadonlyMap<number, number>): PairedComparison {
  const diffs: number[] = [];
  for (const [seed, b] of [...baseline].sort((x, y) => x[0] - y[0])) {
    const t = treatment.get(seed);
    if (t !== undefined && Number.isFinite(t) && Number.isFinite(b)) diffs.push(t - b);
  }
  const n = diffs.length;
  const meanDiff = n === 0 ? Number.NaN : diffs.reduce((a, d) => a + d, 0) / n;
  const sdDiff = n < 2 ? 0 : Math.sqrt(diffs.reduce((a, d) => a + (d - meanDiff) ** 2, 0) / (n - 1));
  if (n < 2) return { n, meanDiff, sdDiff, ci95: null, pT: null, pWilcoxon: null, seedsNeeded: null };
  const se = sdDiff / Math.sqrt(n);
  const half = tQuantile(1 - ALPHA / 2, n - 1) * se;
  const spread = sdDiff > 0;
  // t = mean / (sd / sqrt n) with n - 1 degrees of freedom; p = 2 P(T > |t|)
  const pT = spread ? 2 * (1 - tCdf(Math.abs(meanDiff / se), n - 1)) : null;
  const pWilcoxon = diffs.some((d) => d !== 0) ? wilcoxon(diffs, { alternative: 'two-sided' }).pValue : null;
  return { n, meanDiff, sdDiff, ci95: [meanDiff - half, meanDiff + half], pT, pWilcoxon, seedsNeeded: seedsNeeded(meanDiff, sdDiff) };
}

/**
 * Guenther's approximation of the paired t-test's sample size: with effect size d = |mean| / sd,
 * n = ((z_{1-α/2} + z_{power}) / d)^2 + z_{1-α/2}^2 / 2 (the second term corrects the normal
 * approximation for estimating sd), at least 2.
 */
export function seedsNeeded(meanDiff: number, sdDiff: number): number | null {
  if (!(sdDiff > 0) || meanDiff === 0 || !Number.isFinite(meanDiff)) return null;
  const zAlpha = normalQuantile(1 - ALPHA / 2, 0, 1);
  const zPower = normalQuantile(POWER, 0, 1);
  const d = Math.abs(meanDiff) / sdDiff;
  return Math.max(2, Math.ceil(((zAlpha + zPower) / d) ** 2 + zAlpha ** 2 / 2));
}

/**
 * Holm's step-down correction of a family of p-values (null entries are not part of the family
 * and stay null): the k-th smallest of m is multiplied by m - k + 1, then made monotone.
 */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const ranked = pValues
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null)
    .sort((a, b) => a.p - b.p);
  const m = ranked.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  ranked.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}
