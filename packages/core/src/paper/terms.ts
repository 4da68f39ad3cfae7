import { abs, eq, input, logSoftmax, mean, mul, neg, softmax, square, sub, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { InputSpec } from '../losses/loss.js';
import { PIXEL_ROLES, classIndices } from '../losses/prediction.js';

/**
 * The three base losses every paper experiment is made of, over one prediction.
 *
 * @example
 * ```ts
 * import { type PaperTerms, paperTerms } from '@losskit/core';
 * const terms: PaperTerms = paperTerms(3); // over integer labels with 3 classes
 * ```
 */
export interface PaperTerms {
  /** Categorical cross-entropy from logits, mean over pixels. */
  readonly crossEntropy: Node;
  /** mean |softmax(pred) - target|: over the classes of each pixel ('pixel' reading) or over every element ('batch'). */
  readonly L1: Node;
  /** mean (softmax(pred) - target)^2, reduced as L1. */
  readonly L2: Node;
  readonly inputs: Record<string, InputSpec>;
}

/**
 * Where L1 and L2 are reduced, and so where the paper's equations and filters act:
 * - 'pixel': L1 and L2 are means over the classes of each pixel ([batch, spatial] tensors, as
 *   Keras's mean_absolute_error / mean_squared_error reduce only the last axis); every equation
 *   and filter acts per pixel and the loss is the mean of the hybrid term over pixels.
 * - 'batch': L1 and L2 are means over every element (scalars); each filter acts on one number
 *   per batch.
 *
 * @example
 * ```ts
 * import { type PaperReading, paperTerms } from '@losskit/core';
 * const reading: PaperReading = 'batch';
 * const { L1 } = paperTerms(undefined, { reading }); // a scalar
 * ```
 */
export type PaperReading = 'pixel' | 'batch';

/**
 * The reading a paper experiment uses unless told otherwise (see docs/paper.md, section 2).
 *
 * @example
 * ```ts
 * import { DEFAULT_PAPER_READING } from '@losskit/core';
 * DEFAULT_PAPER_READING; // 'pixel'
 * ```
 */
export const DEFAULT_PAPER_READING: PaperReading = 'pixel';

/**
 * pred holds logits [batch, class, spatial]. The target is a one-hot 'target', or, given
 * numClasses, integer 'labels' [batch, spatial] one-hot encoded in the graph. L1 and L2 compare
 * the softmax probabilities with the one-hot target: per pixel, averaged over the classes
 * (`reading: 'pixel'`, the default), or averaged over every element (`reading: 'batch'`).
 *
 * @example
 * ```ts
 * import { add, makeLoss, paperTerms } from '@losskit/core';
 * const { crossEntropy, L1, L2, inputs } = paperTerms();
 * const loss = makeLoss('ce+l1+l2', add(crossEntropy, L1, L2), inputs);
 * ```
 */
export function paperTerms(numClasses?: number, options: { readonly reading?: PaperReading } = {}): PaperTerms {
  const reading = options.reading ?? DEFAULT_PAPER_READING;
  if (reading !== 'pixel' && reading !== 'batch') throw new TypeError(`paperTerms: reading must be 'pixel' or 'batch', got ${String(reading)}`);
  const over = reading === 'pixel' ? (['class'] as const) : undefined;
  const pred = input('pred');
  const predSpec: InputSpec = { roles: pred.roles, domain: 'logits', ...(numClasses ? { numClasses } : {}) };
  let target: Node;
  let targetInputs: Record<string, InputSpec>;
  if (numClasses === undefined) {
    target = input('target');
    targetInputs = { target: { roles: target.roles, domain: 'onehot' } };
  } else {
    const labels = input('labels', PIXEL_ROLES);
    target = eq(labels, classIndices(numClasses));
    targetInputs = { labels: { roles: labels.roles, domain: 'labels', numClasses } };
  }
  const difference = sub(softmax(pred), target);
  return {
    crossEntropy: mean(neg(sum(mul(target, logSoftmax(pred)), ['class']))),
    L1: mean(abs(difference), over),
    L2: mean(square(difference), over),
    inputs: { pred: predSpec, ...targetInputs },
  };
}
