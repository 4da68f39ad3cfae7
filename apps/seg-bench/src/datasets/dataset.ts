/** Label value that marks pixels excluded from training and scoring (VOC borders). */
export const IGNORE_LABEL = 255;

/** One image with its label map, already resized: image is RGB bytes in CHW order. */
export interface Sample {
  readonly id: string;
  /** [3, H, W] bytes, channel-major. */
  readonly image: Uint8Array;
  /** [H, W] class indices, IGNORE_LABEL = ignore. */
  readonly label: Uint8Array;
}

/** A file that could not be read and was skipped under --skip-bad. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

export interface SegmentationDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  /** Images are square: imageSize x imageSize. */
  readonly imageSize: number;
  readonly train: readonly Sample[];
  readonly val: readonly Sample[];
  readonly skipped: readonly SkippedFile[];
}

export interface DatasetOptions {
  readonly dataDir?: string | undefined;
  readonly imageSize: number;
  /** Use at most this many training / validation images (the first ones of each list). */
  readonly trainImages?: number | undefined;
  readonly valImages?: number | undefined;
  /** Skip unreadable files (counted in `skipped`) instead of failing on the first one. */
  readonly skipBad?: boolean | undefined;
  /** Seed of the procedural dataset; real datasets ignore it. */
  readonly dataSeed?: number | undefined;
}

/** A batch in the layout the training backends consume. */
export interface Batch {
  readonly size: number;
  readonly height: number;
  readonly width: number;
  /** [N, 3, H, W], pixel values scaled to [-1, 1]. */
  readonly images: Float32Array;
  /** [N, H, W] class indices, IGNORE_LABEL = ignore. */
  readonly labels: Uint8Array;
}

export function makeBatch(samples: readonly Sample[], indices: readonly number[], imageSize: number): Batch {
  const pixels = imageSize * imageSize;
  const images = new Float32Array(indices.length * 3 * pixels);
  const labels = new Uint8Array(indices.length * pixels);
  indices.forEach((sampleIndex, b) => {
    const sample = samples[sampleIndex];
    if (!sample) throw new RangeError(`batch index ${sampleIndex} outside the ${samples.length} samples`);
    // x / 127.5 - 1 maps bytes 0..255 onto [-1, 1]
    for (let i = 0; i < 3 * pixels; i++) images[b * 3 * pixels + i] = sample.image[i]! / 127.5 - 1;
    labels.set(sample.label, b * pixels);
  });
  return { size: indices.length, height: imageSize, width: imageSize, images, labels };
}

/** Splits 0..n-1 (in the given order) into batches of at most batchSize. */
export function batchIndices(order: readonly number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}
