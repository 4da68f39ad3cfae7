import type { InitKind, Net } from '../net.js';

/**
 * Options of `conv2d`.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, type Conv2dOptions, conv2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const options: Conv2dOptions = { out: 16, kernel: 3, stride: 2, bias: false };
 * const y = conv2d(net, 'down1', x, options); // [1, 16, 4, 4]
 * ```
 */
export interface Conv2dOptions {
  /** Output channels. */
  readonly out: number;
  readonly kernel: number;
  readonly stride?: number;
  /** Zero padding on every side; default keeps the size at stride 1 for odd kernels: (kernel-1)/2. */
  readonly padding?: number;
  readonly bias?: boolean;
  readonly init?: InitKind;
}

/**
 * y = Conv(x, W, b) with dilation 1; W [out, in, k, k]; out size floor((H + 2p - k)/s) + 1.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, conv2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = conv2d(net, 'conv1', x, { out: 8, kernel: 3 }); // [1, 8, 8, 8]
 * ```
 */
export function conv2d(net: Net, name: string, x: string, options: Conv2dOptions): string {
  const { tape } = net;
  const [n, cin, h, w] = tape.shape(x) as [number, number, number, number];
  const { out, kernel: k } = options;
  const stride = options.stride ?? 1;
  const padding = options.padding ?? Math.floor((k - 1) / 2);
  const weight = net.parameter(`${name}.weight`, [out, cin, k, k], options.init ?? 'he', cin * k * k, out * k * k);
  const inputs = [x, weight];
  if (options.bias ?? true) inputs.push(net.parameter(`${name}.bias`, [out], 'zeros', cin * k * k, out));
  const size = (d: number) => Math.floor((d + 2 * padding - k) / stride) + 1;
  if (size(h) < 1 || size(w) < 1)
    throw new Error(`conv2d '${name}': input ${h}x${w} is too small for kernel ${k}, stride ${stride}, padding ${padding}`);
  const attrs = { kernel_shape: [k, k], strides: [stride, stride], pads: [padding, padding, padding, padding] };
  return tape.record('Conv', inputs, attrs, [[n, out, size(h), size(w)]], name)[0]!;
}

/**
 * Options of `convTranspose2d`.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, type ConvTranspose2dOptions, convTranspose2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const options: ConvTranspose2dOptions = { out: 3, kernel: 2, stride: 2 };
 * const y = convTranspose2d(net, 'up1', x, options); // [1, 3, 16, 16]
 * ```
 */
export interface ConvTranspose2dOptions {
  readonly out: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding?: number;
  readonly outputPadding?: number;
  readonly bias?: boolean;
  readonly init?: InitKind;
}

/**
 * y = ConvTranspose(x, W, b); W [in, out, k, k]; out size s(H-1) + k - 2p + outputPadding.
 * He scaling uses fanIn = in*k^2/s^2: each output sees about that many inputs.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, convTranspose2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = convTranspose2d(net, 'up1', x, { out: 4, kernel: 2, stride: 2 }); // [1, 4, 16, 16]
 * ```
 */
export function convTranspose2d(net: Net, name: string, x: string, options: ConvTranspose2dOptions): string {
  const { tape } = net;
  const [n, cin, h, w] = tape.shape(x) as [number, number, number, number];
  const { out, kernel: k, stride } = options;
  const padding = options.padding ?? 0;
  const outputPadding = options.outputPadding ?? 0;
  const fanIn = Math.max(1, (cin * k * k) / (stride * stride));
  const weight = net.parameter(`${name}.weight`, [cin, out, k, k], options.init ?? 'he', fanIn, out * k * k);
  const inputs = [x, weight];
  if (options.bias ?? true) inputs.push(net.parameter(`${name}.bias`, [out], 'zeros', fanIn, out));
  const size = (d: number) => stride * (d - 1) + k - 2 * padding + outputPadding;
  const attrs = {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: [padding, padding, padding, padding],
    output_padding: [outputPadding, outputPadding],
  };
  return tape.record('ConvTranspose', inputs, attrs, [[n, out, size(h), size(w)]], name)[0]!;
}

/**
 * The 1x1 classifier head: per-pixel linear map to class scores (logits), Glorot-initialized.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, classifierHead, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const logits = classifierHead(net, 'head', x, 21); // [1, 21, 8, 8]
 * ```
 */
export function classifierHead(net: Net, name: string, x: string, numClasses: number): string {
  return conv2d(net, name, x, { out: numClasses, kernel: 1, padding: 0, init: 'glorot' });
}
