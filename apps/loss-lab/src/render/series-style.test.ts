import { describe, expect, it } from 'vitest';
import { SERIES_COLOURS, SERIES_DASHES, seriesEncoding, seriesStyles } from './series-style.js';

describe('series styles', () => {
  it('gives 27 series 27 different (colour, dash) pairs, neighbours always in different colours', () => {
    const styles = seriesStyles(27);
    expect(new Set(styles.map((s) => `${s.colour}|${s.dash.join(',')}`)).size).toBe(27);
    for (let k = 1; k < styles.length; k++) expect(styles[k]!.colour).not.toBe(styles[k - 1]!.colour);
    // experiment 21 (index 20) does not reuse experiment 1's stroke, as a 20-colour palette would
    expect(styles[20]).not.toEqual(styles[0]);
    expect(new Set(SERIES_COLOURS).size).toBe(SERIES_COLOURS.length);
    expect(new Set(SERIES_DASHES.map((d) => d.join(','))).size).toBe(SERIES_DASHES.length);
  });

  it('refuses more series than it can tell apart, saying how many it can', () => {
    expect(() => seriesStyles(41)).toThrow('seriesStyles(41): can style 0 to 40 series (10 colours × 4 dashes)');
  });

  it('encodes colour and dash on the same field and domain (one legend)', () => {
    const domain = ['1', '2', '11'];
    const e = seriesEncoding('experiment', domain, 'experiment');
    expect(e.color.scale.domain).toEqual(domain);
    expect(e.strokeDash.scale.domain).toEqual(domain);
    expect(e.strokeDash.scale.range[2]).toEqual(SERIES_DASHES[0]);
    expect(e.color.scale.range[2]).toBe(SERIES_COLOURS[2]);
  });
});
