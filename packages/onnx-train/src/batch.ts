/**
 * A batch of images and their label maps, NCHW.
 * - images: float32 [N, C, H, W], row-major.
 * - labels: class indices [N, H, W] (any integer typed array or number array); 255 (or any value
 *   outside [0, numClasses)) marks a pixel to ignore: it has an all-zero one-hot target, mask 0,
 *   and is left out of the confusion counts.
 * - shape: [N, C, H, W] of images.
 *
 * @example
 * ```ts
 * import { type Batch } from '@losskit/onnx-train';
 * const batch: Batch = { images: new Float32Array(2 * 3 * 32 * 32), labels: new Int32Array(2 * 32 * 32), shape: [2, 3, 32, 32] };
 * ```
 */
export interface Batch {
  readonly images: Float32Array;
  readonly labels: ArrayLike<number>;
  readonly shape: readonly [number, number, number, number];
}

/**
 * The label value conventionally used for "ignore this pixel".
 *
 * @example
 * ```ts
 * import { IGNORE_LABEL } from '@losskit/onnx-train';
 * const labels = Int32Array.from([0, 1, IGNORE_LABEL, 2]); // the third pixel is ignored
 * ```
 */
export const IGNORE_LABEL = 255;

/**
 * Checks a batch against the model's channels and returns labels as Int32Array.
 *
 * @example
 * ```ts
 * import { checkBatch, shapesBatch } from '@losskit/onnx-train';
 * const labels = checkBatch(shapesBatch(2, 32, 1), 3, 8); // throws, naming the mismatch, if the batch does not fit
 * ```
 */
export function checkBatch(batch: Batch, inChannels: number, sizeMultiple: number): Int32Array {
  const [n, c, h, w] = batch.shape;
  if (!batch.shape.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`batch.shape must be four positive integers [N, C, H, W], got [${batch.shape}]`);
  if (c !== inChannels) throw new Error(`batch has ${c} image channels, the model expects ${inChannels} (shape [N, C, H, W] = [${batch.shape}])`);
  if (batch.images.length !== n * c * h * w)
    throw new Error(`batch.images has ${batch.images.length} values, shape [${batch.shape}] needs ${n * c * h * w}`);
  if (batch.labels.length !== n * h * w)
    throw new Error(`batch.labels has ${batch.labels.length} values, [N, H, W] = [${n}, ${h}, ${w}] needs ${n * h * w}`);
  if (h % sizeMultiple !== 0 || w % sizeMultiple !== 0)
    throw new Error(`image size ${h}x${w}: height and width must be multiples of ${sizeMultiple} for this model`);
  return batch.labels instanceof Int32Array ? batch.labels : Int32Array.from(batch.labels);
}
