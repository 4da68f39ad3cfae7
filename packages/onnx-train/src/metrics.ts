/** Confusion counts: counts[i][j] = pixels of true class i predicted as class j (ignored pixels left out). */
export type Confusion = number[][];

export function emptyConfusion(classes: number): Confusion {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

export function addConfusion(into: Confusion, more: Confusion): Confusion {
  for (const [i, row] of more.entries()) for (const [j, v] of row.entries()) into[i]![j]! += v;
  return into;
}

/** Per-class IoU = TP / (TP + FP + FN); NaN for a class absent from both truth and prediction. */
export function classIoU(confusion: Confusion): number[] {
  return confusion.map((row, k) => {
    const tp = row[k]!;
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, r) => a + r[k]!, 0) - tp;
    return tp / (tp + fp + fn);
  });
}

/** Mean IoU over classes that occur (NaN entries skipped). */
export function meanIoU(confusion: Confusion): number {
  const ious = classIoU(confusion).filter((v) => !Number.isNaN(v));
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}

/** Reads a float [C*C] output as integer counts. */
export function confusionFrom(data: ArrayLike<number>, classes: number): Confusion {
  return Array.from({ length: classes }, (_, i) => Array.from({ length: classes }, (_, j) => Math.round(data[i * classes + j]!)));
}
