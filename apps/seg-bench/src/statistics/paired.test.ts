import { describe, expect, it } from 'vitest';
import { holm, pairedComparison, seedsNeeded } from './paired.js';

const bySeed = (values: readonly number[]) => new Map(values.map((v, i) => [i + 1, v] as const));

describe('paired comparison over seeds', () => {
  // Student's sleep data (Cushny & Peebles 1905; R's `sleep`): extra hours of sleep per patient
  // under drug 1 and drug 2. R: t.test(extra ~ group, data = sleep, paired = TRUE) gives
  // t = -4.0621, df = 9, p = 0.002833, 95 % CI [-2.4598858, -0.7001142], mean difference -1.58;
  // wilcox.test(..., paired = TRUE) gives p = 0.009091 (normal approximation: ties and a zero).
  const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it('matches the textbook paired t-test and signed-rank test on the sleep data', () => {
    const c = pairedComparison(bySeed(drug2), bySeed(drug1));
    expect(c.n).toBe(10);
    expect(c.meanDiff).toBeCloseTo(-1.58, 12);
    expect(c.ci95![0]).toBeCloseTo(-2.4598858, 6);
    expect(c.ci95![1]).toBeCloseTo(-0.7001142, 6);
    expect(c.pT!).toBeCloseTo(0.002833, 6);
    expect(c.pWilcoxon!).toBeCloseTo(0.009091, 5);
  });

  it('uses the exact signed-rank distribution for few seeds: 5 seeds cannot go below p = 2/32', () => {
    const c = pairedComparison(bySeed([0, 0, 0, 0, 0]), bySeed([1, 2, 3, 4, 5]));
    expect(c.pWilcoxon).toBeCloseTo(2 / 32, 12);
  });

  it('pairs only the seeds both runs have, with finite values', () => {
    const baseline = new Map([[1, 0.5], [2, 0.6], [3, Number.NaN], [4, 0.1]]);
    const treatment = new Map([[1, 0.7], [2, 0.7], [3, 0.9], [5, 0.3]]);
    const c = pairedComparison(baseline, treatment);
    expect(c.n).toBe(2);
    expect(c.meanDiff).toBeCloseTo(0.15, 12);
  });

  it('says nothing it cannot know: one seed, no spread, no difference', () => {
    expect(pairedComparison(bySeed([1]), bySeed([2]))).toMatchObject({ n: 1, ci95: null, pT: null, pWilcoxon: null, seedsNeeded: null });
    const same = pairedComparison(bySeed([1, 2, 3]), bySeed([1, 2, 3]));
    expect(same).toMatchObject({ meanDiff: 0, pT: null, pWilcoxon: null, seedsNeeded: null });
    expect(same.ci95).toEqual([0, 0]);
  });
});

describe('seeds needed for 80 % power at a two-sided 5 % level', () => {
  it('matches the standard paired-t sample sizes (G*Power: d = 0.5 needs 34, d = 0.8 needs 15, d = 1 needs 10)', () => {
    expect(seedsNeeded(0.5, 1)).toBe(34);
    expect(seedsNeeded(-0.8, 1)).toBe(15);
    expect(seedsNeeded(1, 1)).toBe(10);
    expect(seedsNeeded(0, 1)).toBeNull();
    expect(seedsNeeded(1, 0)).toBeNull();
  });
});

describe("Holm's correction", () => {
  it("matches R's p.adjust(method = 'holm')", () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.02, 0.05), 'holm') = 0.05 0.09 0.09 0.08 0.09
    const adjusted = holm([0.01, 0.04, 0.03, 0.02, 0.05]);
    for (const [i, want] of [0.05, 0.09, 0.09, 0.08, 0.09].entries()) expect(adjusted[i]).toBeCloseTo(want, 12);
    expect(holm([0.5, null, 0.01])).toEqual([0.5, null, 0.02]);
    expect(holm([0.9, 0.8])).toEqual([1, 1]);
  });
});
