import type { Net } from '../net.js';

/**
 * 2x2 max pooling, stride 2. In training the node also returns the argmax Indices, which the
 * backward rule scatters the gradient through.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources, maxPool2x2 } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = maxPool2x2(net, 'pool1', x); // [1, 3, 4, 4]
 * ```
 */
export function maxPool2x2(net: Net, name: string, x: string): string {
  const { tape } = net;
  const [n, c, h, w] = tape.shape(x) as [number, number, number, number];
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`maxPool2x2 '${name}': input ${h}x${w} must have even height and width`);
  const attrs = { kernel_shape: [2, 2], strides: [2, 2] };
  const out = [n, c, h / 2, w / 2];
  if (net.mode === 'eval') return tape.op('MaxPool', [x], out, attrs, name);
  return tape.record('MaxPool', [x], attrs, [out, out], name)[0]!;
}
