import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { derivativeReport } from './derivative-report.js';

describe('docs/derivatives.md', () => {
  it('is up to date (regenerate: npx tsx --conditions=source scripts/derivative-report.ts in packages/core)', () => {
    const committed = readFileSync(new URL('../../../../docs/derivatives.md', import.meta.url), 'utf8');
    expect(committed).toBe(derivativeReport());
  });
  it('records that ours and the paper agree for Eqs. (1), (2), (4), (5) and differ for (3), (6), (7)', () => {
    const report = derivativeReport();
    const rows = [...report.matchAll(/\| ours \| (\S+) \| (\S+) \|\n\| paper, Eq\. \((\d+)\) \| (\S+) \| (\S+) \|/g)];
    const agree = rows.filter((r) => r[1] === r[4] && r[2] === r[5]).map((r) => Number(r[3]));
    expect(agree).toEqual([10, 11, 13, 14]);
    expect(rows.map((r) => Number(r[3]))).toEqual([10, 11, 12, 13, 14, 15, 16]);
  });
});
