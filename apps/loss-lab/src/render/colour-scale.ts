/**
 * One colour scale for all panels of a figure: the same value has the same colour in every
 * panel, so panels can be compared by eye. Each panel with a scale of its own would stretch its
 * own range over the whole palette and make a flat surface look as varied as a steep one.
 */
export function sharedDomain(values: Iterable<number | null | undefined>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values)
    if (typeof v === 'number' && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (lo > hi) throw new Error('sharedDomain: no finite value to scale (every panel is empty or not finite)');
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** The Vega-Lite colour scale over a shared domain (viridis, the domain exactly: no nice rounding). */
export const sharedColourScale = (domain: readonly [number, number]) => ({
  scheme: 'viridis' as const,
  domain: [...domain],
  nice: false,
  zero: false,
});
