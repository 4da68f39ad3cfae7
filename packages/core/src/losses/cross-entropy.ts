import { add, clamp, div, log, logSoftmax, mul, neg, size, softplus, sub, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import { classWeightVector, mulOptional } from './class-weights.js';
import { float32Floor, probabilityBounds } from './float32.js';
import type { Loss } from './loss.js';
import { type OptionSchema, ensure, validateOptions } from './options.js';
import { TARGET_OPTION_RULES, classTarget, prediction } from './prediction.js';
import { COMMON_OPTION_RULES, type CommonOptions, type Reduction, reducedLoss } from './reduction.js';

/**
 * Options of the categorical cross-entropies.
 *
 * @example
 * ```ts
 * import { type CrossEntropyOptions, categoricalCrossEntropy } from '@losskit/core';
 * const options: CrossEntropyOptions = { labelSmoothing: 0.1, classWeights: [1, 2, 2] };
 * const ce = categoricalCrossEntropy(options);
 * ```
 */
export interface CrossEntropyOptions extends CommonOptions {
  /** pred holds logits (default) or probabilities. */
  readonly fromLogits?: boolean;
  /** Target smoothing: t' = t (1 - s) + s / K, K = number of classes (2 for binary). Default 0. */
  readonly labelSmoothing?: number;
  /** Per-class weights, one per class. */
  readonly classWeights?: readonly number[];
  /**
   * Probability clamp [eps, 1 - eps] when fromLogits is false (default 1e-7, as Keras). Both bounds
   * are rounded to float32 (as Keras's float32 clip does), so every backend clamps at the same values.
   */
  readonly eps?: number;
  /** Sparse integer labels 'labels' [batch, spatial] instead of a dense 'target'. */
  readonly sparse?: boolean;
  readonly numClasses?: number;
  /** With sparse labels: pixels with this label are left out of the loss and of the mean's count. */
  readonly ignoreIndex?: number;
  /** A dense 0/1 'mask' input [batch, spatial] selecting the pixels that count. */
  readonly mask?: boolean;
  /** 'mean' (weighted mean over counted elements), 'sum', 'sum_over_batch_size', or 'none' (per element / per pixel). */
  readonly reduction?: Reduction;
}

/**
 * Options of `binaryCrossEntropy`: those of cross-entropy plus the mode.
 *
 * @example
 * ```ts
 * import { type BinaryCrossEntropyOptions, binaryCrossEntropy } from '@losskit/core';
 * const options: BinaryCrossEntropyOptions = { mode: 'multilabel', fromLogits: true };
 * const bce = binaryCrossEntropy(options);
 * ```
 */
export interface BinaryCrossEntropyOptions extends CrossEntropyOptions {
  /** 'binary' (one channel) or 'multilabel' (independent sigmoid per class). Default 'binary'. */
  readonly mode?: 'binary' | 'multilabel';
}

const SCHEMA: OptionSchema = {
  fromLogits: TARGET_OPTION_RULES.fromLogits,
  labelSmoothing: { kind: 'number', min: 0, max: 1 },
  classWeights: { kind: 'weights' },
  eps: { kind: 'number', above: 0, max: 0.5 },
  sparse: TARGET_OPTION_RULES.sparse,
  numClasses: TARGET_OPTION_RULES.numClasses,
  ignoreIndex: TARGET_OPTION_RULES.ignoreIndex,
  mask: TARGET_OPTION_RULES.mask,
  ...COMMON_OPTION_RULES,
};

/**
 * -[t log p + (1-t) log(1-p)] per element; from logits z: softplus(z) - t z (never log 0). p is
 * clamped to `probabilityBounds(eps)`: float32 values, so float32 backends agree with the reference.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyOf, input } from '@losskit/core';
 * const perElement = binaryCrossEntropyOf(input('pred'), input('target'), true, 1e-7);
 * ```
 */
export function binaryCrossEntropyOf(pred: Node, t: Node, fromLogits: boolean, eps: number): Node {
  if (fromLogits) return sub(softplus(pred), mul(t, pred));
  const [lo, hi] = probabilityBounds(eps);
  const p = clamp(pred, lo, hi);
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}

/**
 * Binary / multilabel cross-entropy, elementwise over every role.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy } from '@losskit/core';
 * const bce = binaryCrossEntropy(); // pred = logits, target = 0/1, mean over elements
 * ```
 */
export function binaryCrossEntropy(options?: BinaryCrossEntropyOptions): Loss {
  const o = validateOptions('binaryCrossEntropy', options, {
    ...SCHEMA,
    mode: { kind: 'enum', values: ['binary', 'multilabel'] },
  });
  const mode = o.mode ?? 'binary';
  const fromLogits = o.fromLogits ?? true;
  const { pred, spec } = prediction({ mode, fromLogits, numClasses: pick(o).numClasses });
  const target = classTarget({ loss: 'binaryCrossEntropy', mode, sparse: o.sparse ?? false, ...pick(o) });
  const smoothing = o.labelSmoothing ?? 0;
  const t = smoothing > 0 ? add(mul(target.target, 1 - smoothing), smoothing / 2) : target.target;
  const values = binaryCrossEntropyOf(pred, t, fromLogits, o.eps ?? 1e-7);
  const weights = mulOptional(target.valid, classWeightVector('binaryCrossEntropy', { ...o, numClasses: pick(o).numClasses }));
  return reducedLoss('binaryCrossEntropy', o, values, weights, { pred: spec, ...target.inputs });
}

/**
 * log p over the class axis: logSoftmax of logits, or log of clamped probabilities.
 *
 * @example
 * ```ts
 * import { input, logProbabilities } from '@losskit/core';
 * const logP = logProbabilities(input('pred'), true, 1e-7); // logSoftmax of logits
 * ```
 */
export function logProbabilities(pred: Node, fromLogits: boolean, eps: number): Node {
  return fromLogits ? logSoftmax(pred) : log(clamp(pred, float32Floor(eps), 1));
}

/**
 * Categorical cross-entropy per pixel, -sum_c t'_c log p_c. With class weights the mean is
 * PyTorch's: sum(w_y l) / sum(w_y), w_y = sum_c w_c t_c the weight of each pixel's class.
 *
 * @example
 * ```ts
 * import { categoricalCrossEntropy } from '@losskit/core';
 * const ce = categoricalCrossEntropy(); // pred = logits [N,C,H,W], target = one-hot
 * ```
 */
export function categoricalCrossEntropy(options?: CrossEntropyOptions): Loss {
  return categorical('categoricalCrossEntropy', options, options?.sparse ?? false);
}

/**
 * Categorical cross-entropy from integer labels (one-hot encoded in the graph); needs numClasses.
 *
 * @example
 * ```ts
 * import { sparseCategoricalCrossEntropy } from '@losskit/core';
 * const ce = sparseCategoricalCrossEntropy({ numClasses: 21, ignoreIndex: 255 }); // labels [N,H,W]
 * ```
 */
export function sparseCategoricalCrossEntropy(options?: Omit<CrossEntropyOptions, 'sparse'>): Loss {
  return categorical('sparseCategoricalCrossEntropy', options, true);
}

function categorical(name: string, options: CrossEntropyOptions | undefined, sparse: boolean): Loss {
  const o = validateOptions(name, options, SCHEMA);
  ensure(!(name === 'sparseCategoricalCrossEntropy' && o.sparse === false), `${name}: sparse is always true here`);
  const fromLogits = o.fromLogits ?? true;
  const { pred, spec } = prediction({ mode: 'multiclass', fromLogits, numClasses: pick(o).numClasses });
  const target = classTarget({ loss: name, mode: 'multiclass', sparse, ...pick(o) });
  const smoothing = o.labelSmoothing ?? 0;
  const t =
    smoothing > 0 ? add(mul(target.target, 1 - smoothing), div(smoothing, size(['class']))) : target.target;
  const perPixel = neg(sum(mul(t, logProbabilities(pred, fromLogits, o.eps ?? 1e-7)), ['class']));
  const classWeights = classWeightVector(name, o);
  const pixelWeights = classWeights ? sum(mul(target.target, classWeights), ['class']) : null;
  const weights = mulOptional(target.valid, pixelWeights);
  return reducedLoss(name, o, perPixel, weights, { pred: spec, ...target.inputs });
}

/** The target-related options, without undefined keys. */
export function pick(o: {
  numClasses?: number;
  classWeights?: readonly number[];
  ignoreIndex?: number;
  mask?: boolean;
}) {
  return { numClasses: o.numClasses ?? o.classWeights?.length, ignoreIndex: o.ignoreIndex, mask: o.mask };
}
