import type { Net } from '../net.js';

/**
 * Options of `batchNorm`.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, batchNorm, type BatchNormOptions, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const options: BatchNormOptions = { momentum: 0.01, epsilon: 1e-3 };
 * const y = batchNorm(net, 'bn1', x, options);
 * ```
 */
export interface BatchNormOptions {
  /** Running statistic update: r' = (1 - momentum) r + momentum * batch statistic (PyTorch convention). */
  readonly momentum?: number;
  readonly epsilon?: number;
}

/**
 * Batch normalization over (N, H, W) per channel, with learned scale gamma and shift beta.
 * Training: mu = mean(x), v = mean(x^2) - mu^2 (two reductions that read x, nothing written),
 * y = (x - mu)/sqrt(v + eps) * gamma + beta as one ONNX BatchNormalization (inference form, fed
 * the batch statistics): a single pass over x. Recorded for backward as one training-mode
 * `BatchNormalization` node (its rule in gradient-rules.ts); the running mean / variance
 * (unbiased, v * m/(m-1)) are updated as buffers.
 * Evaluation: ONNX BatchNormalization with the running statistics.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, batchNorm, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = batchNorm(net, 'bn1', x); // running statistics become buffers
 * ```
 */
export function batchNorm(net: Net, name: string, x: string, options: BatchNormOptions = {}): string {
  const { tape } = net;
  const shape = tape.shape(x);
  const [n, c, h, w] = shape as [number, number, number, number];
  const momentum = options.momentum ?? 0.1;
  const epsilon = options.epsilon ?? 1e-5;
  const gamma = net.parameter(`${name}.gamma`, [c], 'ones', c, c);
  const beta = net.parameter(`${name}.beta`, [c], 'zeros', c, c);
  const runningMean = net.buffer(`${name}.runningMean`, [c], 'zeros');
  const runningVar = net.buffer(`${name}.runningVar`, [c], 'ones');
  if (net.mode === 'eval')
    return tape.op('BatchNormalization', [x, gamma, beta, runningMean, runningVar], shape, { epsilon }, name);

  const axes = tape.ints([0, 2, 3]);
  const count = n * h * w;
  const op = (type: string, inputs: string[], out: readonly number[], attrs = {}) => tape.op(type, inputs, out, attrs, `${name}.${type}.${tape.nodes.length}.${inputs.length}`);
  const mean = op('ReduceMean', [x, axes], [c], { keepdims: 0 });
  const meanOfSquares = op('Mul', [op('ReduceSumSquare', [x, axes], [c], { keepdims: 0 }), tape.scalar(1 / count)], [c]);
  // E[x^2] - E[x]^2, clamped at 0 against rounding (conv outputs have |mean| of the order of their spread)
  const variance = op('Max', [op('Sub', [meanOfSquares, op('Mul', [mean, mean], [c])], [c]), tape.scalar(0)], [c]);
  const y = tape.op('BatchNormalization', [x, gamma, beta, mean, variance], shape, { epsilon }, name);
  const invStd = op('Reciprocal', [op('Sqrt', [op('Add', [variance, tape.scalar(epsilon)], [c])], [c])], [c]);
  tape.recordComposite('BatchNormalization', [x, gamma, beta], [y, mean, invStd], { training_mode: 1, epsilon });

  const blend = (running: string, batch: string) =>
    tape.op('Add', [tape.op('Mul', [running, tape.scalar(1 - momentum)], [c]), tape.op('Mul', [batch, tape.scalar(momentum)], [c])], [c]);
  const unbiased = tape.op('Mul', [variance, tape.scalar(count > 1 ? count / (count - 1) : 1)], [c]);
  net.bufferUpdates.set(`${name}.runningMean`, blend(runningMean, mean));
  net.bufferUpdates.set(`${name}.runningVar`, blend(runningVar, unbiased));
  return y;
}
