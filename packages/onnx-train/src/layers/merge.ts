import type { Net } from '../net.js';

/**
 * Concatenation along channels (U-Net skip connections).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, concat, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const skip = concat(net, 'skip', [x, x]); // [1, 6, 8, 8]
 * ```
 */
export function concat(net: Net, name: string, xs: string[]): string {
  const { tape } = net;
  const shapes = xs.map((x) => tape.shape(x));
  const [first] = shapes;
  if (first === undefined) throw new Error(`concat '${name}': needs at least one input`);
  for (const s of shapes)
    if (s[0] !== first[0] || s[2] !== first[2] || s[3] !== first[3])
      throw new Error(`concat '${name}': inputs must agree on N, H, W, got ${shapes.map((q) => `[${q}]`).join(' and ')}`);
  const channels = shapes.reduce((c, s) => c + s[1]!, 0);
  return tape.record('Concat', xs, { axis: 1 }, [[first[0]!, channels, first[2]!, first[3]!]], name)[0]!;
}

/**
 * Elementwise sum of same-shaped maps (FCN score fusion).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, add, conv2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const residual = add(net, 'res', x, conv2d(net, 'conv', x, { out: 3, kernel: 3 }));
 * ```
 */
export function add(net: Net, name: string, a: string, b: string): string {
  const { tape } = net;
  const sa = tape.shape(a);
  const sb = tape.shape(b);
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i]))
    throw new Error(`add '${name}': shapes differ, [${sa}] vs [${sb}]`);
  return tape.record('Add', [a, b], {}, [sa], name)[0]!;
}
