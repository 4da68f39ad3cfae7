/**
 * Distinguishable line styles for many series: a colour and a dash pattern per series.
 *
 * Ten colours (Tableau 10, chosen for print and screen contrast) times four dash patterns give 40
 * (colour, dash) pairs. Series k takes colour k mod 10 and dash floor(k / 10), so neighbours in
 * the legend (experiments 1, 2, 3, ...) always differ in colour, and series 11-20, 21-30, 31-40
 * repeat the colours with a dash of their own: 27 experiments stay 27 different strokes, where a
 * 20-colour palette would give experiments 21-27 the strokes of 1-7.
 */
export const SERIES_COLOURS: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#4d4d4d',
];

/** Vega stroke dash arrays: solid, dashed, dotted, dash-dot (in pixels, at stroke width 1.5). */
export const SERIES_DASHES: readonly (readonly number[])[] = [[1, 0], [7, 3], [1.5, 2.5], [8, 3, 1.5, 3]];

export interface SeriesStyle {
  readonly colour: string;
  readonly dash: readonly number[];
}

/** The style of each of n series; more than 40 cannot be told apart this way and is refused. */
export function seriesStyles(n: number): SeriesStyle[] {
  const capacity = SERIES_COLOURS.length * SERIES_DASHES.length;
  if (!Number.isInteger(n) || n < 0 || n > capacity)
    throw new Error(`seriesStyles(${n}): can style 0 to ${capacity} series (${SERIES_COLOURS.length} colours × ${SERIES_DASHES.length} dashes)`);
  return Array.from({ length: n }, (_, k) => ({
    colour: SERIES_COLOURS[k % SERIES_COLOURS.length]!,
    dash: SERIES_DASHES[Math.floor(k / SERIES_COLOURS.length)]!,
  }));
}

/**
 * Vega-Lite encodings that give each value of a nominal field its (colour, dash) pair, in the
 * order of `domain`. Both channels share field and title, so Vega-Lite draws one legend whose
 * symbols show colour and dash together.
 */
export function seriesEncoding(field: string, domain: readonly string[], title: string) {
  const styles = seriesStyles(domain.length);
  return {
    color: { field, type: 'nominal', title, sort: domain, scale: { domain, range: styles.map((s) => s.colour) } },
    strokeDash: { field, type: 'nominal', title, sort: domain, scale: { domain, range: styles.map((s) => s.dash) } },
  };
}
