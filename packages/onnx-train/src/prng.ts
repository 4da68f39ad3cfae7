import { seededRandom } from '@losskit/core';

/**
 * A small seeded PRNG (mulberry32): 32-bit state, full period 2^32, good enough for weight
 * initialization and dropout masks, and identical on every platform.
 *
 * @example
 * ```ts
 * import { Prng } from '@losskit/onnx-train';
 * const random = new Prng(42);
 * random.next(); // in [0, 1), the same sequence for the same seed
 * const other = Prng.derive(42, 'dropout'); // an independent stream
 * ```
 */
export class Prng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    this.next = seededRandom(Math.floor(seed));
  }

  /** Standard normal by Box-Muller (one draw per call; 1 - u keeps log away from 0). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An independent stream derived from this seed and a label (FNV-1a of the label). */
  static derive(seed: number, label: string): Prng {
    let h = 0x811c9dc5 ^ (Math.floor(seed) >>> 0);
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}
