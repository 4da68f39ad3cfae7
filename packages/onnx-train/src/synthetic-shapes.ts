import type { Batch } from './batch.js';
import { Prng } from './prng.js';

/**
 * A synthetic segmentation task: noisy images of a few random filled circles (class 1) and
 * axis-aligned rectangles (class 2) on background (class 0); each shape also has its own colour
 * channel bias, so colour and shape both carry the class.
 *
 * @example
 * ```ts
 * import { shapesBatch } from '@losskit/onnx-train';
 * const batch = shapesBatch(4, 32, 1); // 4 images 3x32x32, labels 0 (background), 1 (circles), 2 (rectangles)
 * ```
 */
export function shapesBatch(batch: number, size: number, seed: number): Batch {
  const random = new Prng(seed);
  const images = new Float32Array(batch * 3 * size * size);
  const labels = new Int32Array(batch * size * size);
  const plane = size * size;
  for (let n = 0; n < batch; n++) {
    const count = 1 + Math.floor(random.next() * 2);
    for (let s = 0; s < count; s++) {
      const cls = random.next() < 0.5 ? 1 : 2;
      const cx = random.next() * size;
      const cy = random.next() * size;
      const r = size * (0.12 + 0.15 * random.next());
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const inside = cls === 1 ? (x - cx) ** 2 + (y - cy) ** 2 < r * r : Math.abs(x - cx) < r && Math.abs(y - cy) < 0.7 * r;
          if (inside) labels[n * plane + y * size + x] = cls;
        }
    }
    for (let p = 0; p < plane; p++) {
      const cls = labels[n * plane + p]!;
      for (let c = 0; c < 3; c++)
        images[(n * 3 + c) * plane + p] = (cls === 0 ? 0 : cls === c ? 1 : 0.3) + 0.3 * random.normal();
    }
  }
  return { images, labels, shape: [batch, 3, size, size] };
}
