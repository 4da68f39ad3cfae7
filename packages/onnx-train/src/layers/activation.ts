import type { Net } from '../net.js';

/**
 * ReLU layer: y = max(x, 0).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, conv2d, inputSources, relu } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = relu(net, 'conv1.relu', conv2d(net, 'conv1', x, { out: 8, kernel: 3 }));
 * ```
 */
export function relu(net: Net, name: string, x: string): string {
  return net.tape.record('Relu', [x], {}, [net.tape.shape(x)], name)[0]!;
}

/**
 * Softmax over the class axis (1 in NCHW).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources, softmax } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const probabilities = softmax(net, 'probs', x); // over the channel axis
 * ```
 */
export function softmax(net: Net, name: string, x: string): string {
  return net.tape.record('Softmax', [x], { axis: 1 }, [net.tape.shape(x)], name)[0]!;
}

/**
 * Sigmoid layer: y = 1 / (1 + e^-x) (per-class probabilities for multilabel losses).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources, sigmoid } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const probabilities = sigmoid(net, 'probs', x);
 * ```
 */
export function sigmoid(net: Net, name: string, x: string): string {
  return net.tape.record('Sigmoid', [x], {}, [net.tape.shape(x)], name)[0]!;
}
