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
 * Training: built from primitives so backward comes from their rules,
 *   mu = mean(x), v = mean((x-mu)^2), y = (x-mu)/sqrt(v+eps) * gamma + beta,
 * and the running mean / variance (unbiased, v * m/(m-1)) are updated as buffers.
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

  const perChannel = [1, c, 1, 1];
  const axes = tape.ints([0, 2, 3]);
  const channelShape = tape.ints(perChannel);
  const record = (op: string, inputs: string[], out: readonly number[], attrs = {}) =>
    tape.record(op, inputs, attrs, [out], `${name}.${op}`)[0]!;
  const mean = record('ReduceMean', [x, axes], perChannel, { keepdims: 1 });
  const centered = record('Sub', [x, mean], shape);
  const variance = record('ReduceMean', [record('Mul', [centered, centered], shape), axes], perChannel, { keepdims: 1 });
  const std = record('Sqrt', [record('Add', [variance, tape.scalar(epsilon)], perChannel)], perChannel);
  const normalized = record('Div', [centered, std], shape);
  const scaled = record('Mul', [normalized, record('Reshape', [gamma, channelShape], perChannel)], shape);
  const y = record('Add', [scaled, record('Reshape', [beta, channelShape], perChannel)], shape);

  const count = n * h * w;
  const flat = (v: string) => tape.op('Reshape', [v, tape.ints([c])], [c]);
  const blend = (running: string, batch: string) =>
    tape.op(
      'Add',
      [tape.op('Mul', [running, tape.scalar(1 - momentum)], [c]), tape.op('Mul', [batch, tape.scalar(momentum)], [c])],
      [c],
    );
  const unbiased = tape.op('Mul', [flat(variance), tape.scalar(count > 1 ? count / (count - 1) : 1)], [c]);
  net.bufferUpdates.set(`${name}.runningMean`, blend(runningMean, flat(mean)));
  net.bufferUpdates.set(`${name}.runningVar`, blend(runningVar, unbiased));
  return y;
}
