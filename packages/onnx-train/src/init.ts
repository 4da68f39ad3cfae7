import type { ParameterSpec } from './net.js';
import { Prng } from './prng.js';

/** Bilinear interpolation weight of tap i in a kernel of size k (FCN's upsampling init). */
function bilinearTap(i: number, k: number): number {
  const factor = Math.ceil(k / 2);
  const center = k % 2 === 1 ? factor - 1 : factor - 0.5;
  return 1 - Math.abs(i - center) / factor;
}

/**
 * Initial values of one parameter, from its own stream (seed, name), so adding a layer does
 * not change the others. He normal: N(0, 2/fanIn); Glorot uniform: U(±sqrt(6/(fanIn+fanOut))).
 *
 * @example
 * ```ts
 * import { initialValues } from '@losskit/onnx-train';
 * const w = initialValues({ name: 'conv1.weight', shape: [8, 3, 3, 3], init: 'he', fanIn: 27, fanOut: 72 }, 0);
 * ```
 */
export function initialValues(spec: ParameterSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rng = Prng.derive(seed, spec.name);
  switch (spec.init) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'he': {
      const std = Math.sqrt(2 / spec.fanIn);
      for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
      return out;
    }
    case 'glorot': {
      const limit = Math.sqrt(6 / (spec.fanIn + spec.fanOut));
      for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
      return out;
    }
    case 'bilinear': {
      // ConvTranspose weight [Cin, Cout, k, k]: channel c maps to channel c with a bilinear kernel.
      const [cin, cout, kh, kw] = spec.shape as [number, number, number, number];
      for (let c = 0; c < Math.min(cin, cout); c++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) out[((c * cout + c) * kh + i) * kw + j] = bilinearTap(i, kh) * bilinearTap(j, kw);
      return out;
    }
  }
}
