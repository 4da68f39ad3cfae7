/**
 * Confusion counts: counts[i][j] = pixels of true class i predicted as class j (ignored pixels left out).
 *
 * @example
 * ```ts
 * import { type Confusion, meanIoU } from '@losskit/onnx-train';
 * const confusion: Confusion = [
 *   [50, 2],
 *   [3, 45],
 * ];
 * meanIoU(confusion);
 * ```
 */
export type Confusion = number[][];

/**
 * A confusion matrix of zeros for `classes` classes.
 *
 * @example
 * ```ts
 * import { emptyConfusion } from '@losskit/onnx-train';
 * emptyConfusion(2); // [[0, 0], [0, 0]]
 * ```
 */
export function emptyConfusion(classes: number): Confusion {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

/**
 * Adds the counts of `more` into `into` (and returns it).
 *
 * @example
 * ```ts
 * import { addConfusion, emptyConfusion } from '@losskit/onnx-train';
 * const total = emptyConfusion(2);
 * addConfusion(total, [
 *   [5, 1],
 *   [0, 4],
 * ]);
 * ```
 */
export function addConfusion(into: Confusion, more: Confusion): Confusion {
  for (const [i, row] of more.entries()) for (const [j, v] of row.entries()) into[i]![j]! += v;
  return into;
}

/**
 * Per-class IoU = TP / (TP + FP + FN); NaN for a class absent from both truth and prediction.
 *
 * @example
 * ```ts
 * import { classIoU } from '@losskit/onnx-train';
 * classIoU([
 *   [3, 1],
 *   [0, 4],
 * ]); // [0.75, 0.8]
 * ```
 */
export function classIoU(confusion: Confusion): number[] {
  return confusion.map((row, k) => {
    const tp = row[k]!;
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, r) => a + r[k]!, 0) - tp;
    return tp / (tp + fp + fn);
  });
}

/**
 * Mean IoU over classes that occur (NaN entries skipped).
 *
 * @example
 * ```ts
 * import { meanIoU } from '@losskit/onnx-train';
 * meanIoU([
 *   [3, 1],
 *   [0, 4],
 * ]); // 0.775
 * ```
 */
export function meanIoU(confusion: Confusion): number {
  const ious = classIoU(confusion).filter((v) => !Number.isNaN(v));
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}

/**
 * Reads a float [C*C] output as integer counts.
 *
 * @example
 * ```ts
 * import { confusionFrom } from '@losskit/onnx-train';
 * confusionFrom(Float32Array.of(3, 1, 0, 4), 2); // [[3, 1], [0, 4]]
 * ```
 */
export function confusionFrom(data: ArrayLike<number>, classes: number): Confusion {
  return Array.from({ length: classes }, (_, i) => Array.from({ length: classes }, (_, j) => Math.round(data[i * classes + j]!)));
}
