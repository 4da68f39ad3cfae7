/**
 * A small seeded pseudo-random generator (mulberry32: 32-bit state, period 2^32), identical on
 * every platform, so test data, synthetic datasets and weight initialisation are reproducible.
 * Returns uniform numbers in [0, 1).
 *
 * @example
 * ```ts
 * import { seededRandom } from '@losskit/core';
 * const random = seededRandom(42);
 * const x = random(); // the same sequence for the same seed
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
