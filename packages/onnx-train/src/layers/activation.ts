import type { Net } from '../net.js';

export function relu(net: Net, name: string, x: string): string {
  return net.tape.record('Relu', [x], {}, [net.tape.shape(x)], name)[0]!;
}

/** Softmax over the class axis (1 in NCHW). */
export function softmax(net: Net, name: string, x: string): string {
  return net.tape.record('Softmax', [x], { axis: 1 }, [net.tape.shape(x)], name)[0]!;
}

export function sigmoid(net: Net, name: string, x: string): string {
  return net.tape.record('Sigmoid', [x], {}, [net.tape.shape(x)], name)[0]!;
}
