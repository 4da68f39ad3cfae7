import type { Net } from '../net.js';

/**
 * Inverted dropout. Training: y = x * mask, the mask a graph input holding 0 or 1/(1-rate)
 * (drawn per step from the trainer's seeded PRNG, so runs repeat). Evaluation, or rate 0: y = x.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, dropout, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = dropout(net, 'drop', x, 0.5); // a mask input in training, identity in evaluation
 * ```
 */
export function dropout(net: Net, name: string, x: string, rate: number): string {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout '${name}': rate must be in [0, 1), got ${rate}`);
  if (net.mode === 'eval' || rate === 0) return x;
  const mask = net.dropoutMask(name, net.tape.shape(x), rate);
  return net.tape.record('Mul', [x, mask], {}, [net.tape.shape(x)], name)[0]!;
}

/**
 * A dropout mask: each element kept with probability 1 - rate and scaled by 1/(1-rate).
 *
 * @example
 * ```ts
 * import { Prng, dropoutMask } from '@losskit/onnx-train';
 * const random = new Prng(1);
 * const mask = dropoutMask(8, 0.5, () => random.next()); // values 0 or 2
 * ```
 */
export function dropoutMask(size: number, rate: number, random: () => number): Float32Array {
  const mask = new Float32Array(size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < size; i++) mask[i] = random() < rate ? 0 : keep;
  return mask;
}
