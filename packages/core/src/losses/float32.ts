/**
 * Constants a loss puts in its graph are rounded to float32 by every float32 backend, while the
 * float64 reference uses them as written. A bound such as 1 - 1e-7 is no float32 (it rounds to
 * 1 - 2^-23), so at a clamped probability the backends would read log(1.19e-7) where the
 * reference reads log(1e-7): 1 % apart. These helpers pick bounds that are float32 values, so
 * both read the same number, and that stay usable in float32 for every eps an option accepts.
 */

/** The smallest normal float32, 2^-126: below it backends may flush to 0 (and log 0 = -inf). */
export const FLOAT32_MIN_NORMAL = 2 ** -126;
/** The largest float32 below 1, 1 - 2^-24. */
export const FLOAT32_BELOW_ONE = 1 - 2 ** -24;

/**
 * [lo, hi] of a probability clamp [eps, 1 - eps], as float32 values: lo = eps rounded to float32
 * (at least the smallest normal, so log lo is finite), hi = 1 - eps rounded to float32 (at most the
 * largest float32 below 1, so log(1 - hi) is finite). 1 - hi is then exact in float32 and float64.
 *
 * @example
 * ```ts
 * import { probabilityBounds } from '@losskit/core';
 * probabilityBounds(1e-7); // [1.0000000116860974e-7, 0.9999998807907104]
 * ```
 */
export function probabilityBounds(eps: number): readonly [number, number] {
  const lo = Math.max(Math.fround(eps), FLOAT32_MIN_NORMAL);
  const hi = Math.min(Math.fround(1 - eps), FLOAT32_BELOW_ONE);
  return [lo, hi];
}

/** eps rounded to float32, at least the smallest normal float32. */
export const float32Floor = (eps: number): number => Math.max(Math.fround(eps), FLOAT32_MIN_NORMAL);
