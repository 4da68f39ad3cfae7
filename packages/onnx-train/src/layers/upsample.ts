import type { Net } from '../net.js';

/**
 * Nearest-neighbour x2: every pixel becomes a 2x2 block (Resize, nearest, asymmetric).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources, upsampleNearest2x } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = upsampleNearest2x(net, 'up', x); // [1, 3, 16, 16]
 * ```
 */
export function upsampleNearest2x(net: Net, name: string, x: string): string {
  const { tape } = net;
  const [n, c, h, w] = tape.shape(x) as [number, number, number, number];
  const scales = tape.builder.constant([1, 1, 2, 2], 'float');
  const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  return tape.record('Resize', [x, '', scales], attrs, [[n, c, 2 * h, 2 * w]], name)[0]!;
}

/**
 * The [2n, n] matrix of bilinear x2 upsampling with half-pixel centres (ONNX Resize linear,
 * half_pixel; tf.image.resizeBilinear with halfPixelCenters): output i reads input
 * (i + 0.5)/2 - 0.5, clamped to [0, n-1], i.e. weights 3/4 and 1/4 on the two nearest inputs.
 *
 * @example
 * ```ts
 * import { bilinearMatrix } from '@losskit/onnx-train';
 * const m = bilinearMatrix(4); // the 8x4 interpolation matrix of a 2x upsampling of 4 samples
 * ```
 */
export function bilinearMatrix(n: number): Float64Array {
  const m = new Float64Array(2 * n * n);
  for (let i = 0; i < 2 * n; i++) {
    const src = Math.min(Math.max((i + 0.5) / 2 - 0.5, 0), n - 1);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, n - 1);
    const t = src - lo;
    m[i * n + lo]! += 1 - t;
    m[i * n + hi]! += t;
  }
  return m;
}

/**
 * Bilinear x2 as two MatMuls with constant interpolation matrices: Y = A_h X A_w^T.
 * Same values as Resize(linear, half_pixel), and its backward is MatMul's rule (dX = A_h^T dY A_w).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources, upsampleBilinear2x } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * const y = upsampleBilinear2x(net, 'up', x); // [1, 3, 16, 16]
 * ```
 */
export function upsampleBilinear2x(net: Net, name: string, x: string): string {
  const { tape } = net;
  const [n, c, h, w] = tape.shape(x) as [number, number, number, number];
  const transpose = (m: Float64Array, rows: number, cols: number) =>
    Array.from({ length: rows * cols }, (_, k) => m[(k % rows) * cols + Math.floor(k / rows)]!);
  const aw = bilinearMatrix(w);
  const awT = tape.setShape(tape.builder.constant(transpose(aw, 2 * w, w), tape.type, [w, 2 * w]), [w, 2 * w]);
  const ah = tape.setShape(tape.builder.constant([...bilinearMatrix(h)], tape.type, [2 * h, h]), [2 * h, h]);
  const rows = tape.record('MatMul', [x, awT], {}, [[n, c, h, 2 * w]], `${name}.w`)[0]!;
  return tape.record('MatMul', [ah, rows], {}, [[n, c, 2 * h, 2 * w]], `${name}.h`)[0]!;
}
