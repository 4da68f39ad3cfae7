import type { Net } from '../net.js';

/**
 * Inverted dropout. Training: y = x * mask, the mask a graph input holding 0 or 1/(1-rate)
 * (drawn per step from the trainer's seeded PRNG, so runs repeat). Evaluation, or rate 0: y = x.
 */
export function dropout(net: Net, name: string, x: string, rate: number): string {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout '${name}': rate must be in [0, 1), got ${rate}`);
  if (net.mode === 'eval' || rate === 0) return x;
  const mask = net.dropoutMask(name, net.tape.shape(x), rate);
  return net.tape.record('Mul', [x, mask], {}, [net.tape.shape(x)], name)[0]!;
}

/** A dropout mask: each element kept with probability 1 - rate and scaled by 1/(1-rate). */
export function dropoutMask(size: number, rate: number, random: () => number): Float32Array {
  const mask = new Float32Array(size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < size; i++) mask[i] = random() < rate ? 0 : keep;
  return mask;
}
