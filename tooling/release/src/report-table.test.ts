import { describe, expect, it } from 'vitest';
import { formatBytes, renderTable } from './report-table.js';

describe('report table', () => {
  it('formats sizes in decimal units', () => {
    expect([0, 999, 1536, 103_843, 2_500_000].map(formatBytes)).toEqual(['0 B', '999 B', '1.5 kB', '103.8 kB', '2.50 MB']);
  });

  it('renders a padded Markdown table', () => {
    expect(renderTable(['package', 'size'], [['@losskit/core', '1 kB'], ['x', '10.5 kB']])).toBe(
      ['| package       | size    |', '|---------------|---------|', '| @losskit/core | 1 kB    |', '| x             | 10.5 kB |'].join('\n'),
    );
  });
});
