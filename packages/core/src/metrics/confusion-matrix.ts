/**
 * Scores of one class, or an average over classes.
 *
 * @example
 * ```ts
 * import { ConfusionMatrix, type ClassScores } from '@losskit/core';
 * const scores: ClassScores = new ConfusionMatrix(2).update([0, 1], [0, 1]).metrics().micro;
 * ```
 */
export interface ClassScores {
  /** Dice similarity coefficient 2TP / (2TP + FP + FN); equal to F1 on hard labels. */
  readonly dice: number;
  /** F1 = 2 precision recall / (precision + recall). */
  readonly f1: number;
  /** Intersection over union TP / (TP + FP + FN). */
  readonly iou: number;
  /** TP / (TP + FP). */
  readonly precision: number;
  /** TP / (TP + FN). */
  readonly recall: number;
}

/**
 * Everything `ConfusionMatrix.metrics()` reports: per class, macro and micro averages, pixel accuracy.
 *
 * @example
 * ```ts
 * import { ConfusionMatrix, type SegmentationMetrics } from '@losskit/core';
 * const m: SegmentationMetrics = new ConfusionMatrix(2).update([0, 1, 1], [0, 1, 0]).metrics();
 * m.pixelAccuracy; // 2/3
 * ```
 */
export interface SegmentationMetrics {
  /** Per class; NaN in every field for a class absent from both prediction and target. */
  readonly perClass: readonly ClassScores[];
  /** Unweighted mean over the classes present in prediction or target (absent classes left out). */
  readonly macro: ClassScores;
  /** From the summed TP, FP, FN over classes (on hard labels precision = recall = F1 = pixel accuracy). */
  readonly micro: ClassScores;
  /** Correct pixels / counted pixels. NaN before any pixel is counted. */
  readonly pixelAccuracy: number;
  /** Classes present in prediction or target, in order. */
  readonly presentClasses: readonly number[];
  /** Pixels counted (ignored pixels excluded). */
  readonly pixels: number;
}

/**
 * Options of `ConfusionMatrix`.
 *
 * @example
 * ```ts
 * import { ConfusionMatrix, type ConfusionMatrixOptions } from '@losskit/core';
 * const options: ConfusionMatrixOptions = { ignoreIndex: 255 };
 * const cm = new ConfusionMatrix(21, options);
 * ```
 */
export interface ConfusionMatrixOptions {
  /** Target pixels with this label are skipped entirely (their prediction too). */
  readonly ignoreIndex?: number;
}

/**
 * A streaming confusion matrix over integer class labels: `update` with each batch, `merge`
 * matrices from several workers, read `metrics()` at the end. Counts only; no predictions are
 * kept. Row = target class, column = predicted class.
 *
 * Policy for edge cases: a class absent from both prediction and target has no defined score:
 * NaN per class and left out of macro averages. A class present on one side only scores 0
 * (precision 0 when it is never predicted, recall 0 when it never occurs).
 *
 * @example
 * ```ts
 * import { ConfusionMatrix } from '@losskit/core';
 * const cm = new ConfusionMatrix(3, { ignoreIndex: 255 });
 * cm.update([0, 1, 2, 2], [0, 1, 1, 255]);
 * cm.metrics().macro.iou;
 * ```
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number | undefined;
  /** counts[target * numClasses + predicted] */
  readonly counts: Float64Array;

  constructor(numClasses: number, options: ConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1)
      throw new RangeError(`ConfusionMatrix: numClasses must be an integer >= 1, got ${numClasses}`);
    this.numClasses = numClasses;
    this.ignoreIndex = options.ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds one batch of predicted and target labels (same length, any layout, both flattened alike). */
  update(predicted: ArrayLike<number>, target: ArrayLike<number>): this {
    if (predicted.length !== target.length)
      throw new RangeError(
        `ConfusionMatrix.update: ${predicted.length} predicted labels but ${target.length} target labels; they must pair up`,
      );
    const n = this.numClasses;
    for (let i = 0; i < target.length; i++) {
      const t = target[i]!;
      if (t === this.ignoreIndex) continue;
      const p = predicted[i]!;
      this.checkLabel('target', t, i);
      this.checkLabel('predicted', p, i);
      this.counts[t * n + p]! += 1;
    }
    return this;
  }

  /** Adds another matrix's counts (same class count and ignore index). */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses || other.ignoreIndex !== this.ignoreIndex)
      throw new RangeError(
        `ConfusionMatrix.merge: ${other.numClasses} classes (ignore ${other.ignoreIndex}) into ${this.numClasses} (ignore ${this.ignoreIndex})`,
      );
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    return this;
  }

  /** Per-class true positives, false positives and false negatives. */
  classCounts(): { tp: number; fp: number; fn: number }[] {
    const n = this.numClasses;
    return Array.from({ length: n }, (_, c) => {
      let predicted = 0;
      let actual = 0;
      for (let k = 0; k < n; k++) {
        predicted += this.counts[k * n + c]!;
        actual += this.counts[c * n + k]!;
      }
      const tp = this.counts[c * n + c]!;
      return { tp, fp: predicted - tp, fn: actual - tp };
    });
  }

  metrics(): SegmentationMetrics {
    const counts = this.classCounts();
    const perClass = counts.map(scores);
    const presentClasses = counts.flatMap((c, i) => (c.tp + c.fp + c.fn > 0 ? [i] : []));
    const total = counts.reduce((acc, c) => ({ tp: acc.tp + c.tp, fp: acc.fp + c.fp, fn: acc.fn + c.fn }), {
      tp: 0,
      fp: 0,
      fn: 0,
    });
    const pixels = total.tp + total.fn;
    return {
      perClass,
      macro: averageOf(presentClasses.map((c) => perClass[c]!)),
      micro: scores(total),
      pixelAccuracy: pixels > 0 ? total.tp / pixels : Number.NaN,
      presentClasses,
      pixels,
    };
  }

  private checkLabel(which: string, label: number, index: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.numClasses)
      throw new RangeError(
        `ConfusionMatrix.update: ${which} label ${label} at index ${index} is not a class in 0..${this.numClasses - 1}` +
          (which === 'target' && this.ignoreIndex !== undefined ? ` or the ignore index ${this.ignoreIndex}` : ''),
      );
  }
}

/** a / b, 0 when b = 0 (only reached for a class present on one side, where the score is 0). */
const safeRatio = (a: number, b: number): number => (b > 0 ? a / b : 0);

function scores({ tp, fp, fn }: { tp: number; fp: number; fn: number }): ClassScores {
  if (tp + fp + fn === 0) return { dice: Number.NaN, f1: Number.NaN, iou: Number.NaN, precision: Number.NaN, recall: Number.NaN };
  const precision = safeRatio(tp, tp + fp);
  const recall = safeRatio(tp, tp + fn);
  return {
    dice: (2 * tp) / (2 * tp + fp + fn),
    f1: safeRatio(2 * precision * recall, precision + recall),
    iou: tp / (tp + fp + fn),
    precision,
    recall,
  };
}

function averageOf(list: readonly ClassScores[]): ClassScores {
  const mean = (key: keyof ClassScores) =>
    list.length === 0 ? Number.NaN : list.reduce((acc, s) => acc + s[key], 0) / list.length;
  return { dice: mean('dice'), f1: mean('f1'), iou: mean('iou'), precision: mean('precision'), recall: mean('recall') };
}

/**
 * Index of the largest class score per pixel, for probabilities or logits laid out [N, C, ...spatial].
 *
 * @example
 * ```ts
 * import { argmaxClasses } from '@losskit/core';
 * argmaxClasses([0.1, 0.9, 0.8, 0.2], [1, 2, 1, 2]); // Int32Array [1, 0]: per pixel, from [N, C, H, W]
 * ```
 */
export function argmaxClasses(scores: ArrayLike<number>, shape: readonly number[]): Int32Array {
  const [batch = 1, classes = 1] = shape;
  const spatial = shape.slice(2).reduce((a, b) => a * b, 1);
  if (scores.length !== batch * classes * spatial)
    throw new RangeError(`argmaxClasses: ${scores.length} values do not fill shape [${shape.join(', ')}]`);
  const out = new Int32Array(batch * spatial);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < spatial; s++) {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (scores[(b * classes + c) * spatial + s]! > scores[(b * classes + best) * spatial + s]!) best = c;
      out[b * spatial + s] = best;
    }
  return out;
}
