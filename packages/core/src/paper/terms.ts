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
  /** mean |softmax(pred) - target| over every element. */
  readonly L1: Node;
  /** mean (softmax(pred) - target)^2 over every element. */
  readonly L2: Node;
  readonly inputs: Record<string, InputSpec>;
}

/**
 * pred holds logits [batch, class, spatial]. The target is a one-hot 'target', or, given
 * numClasses, integer 'labels' [batch, spatial] one-hot encoded in the graph. L1 and L2 compare
 * the softmax probabilities with the one-hot target, averaged over every element (Keras's
 * mean_absolute_error / mean_squared_error on a segmentation map give the same numbers).
 *
 * @example
 * ```ts
 * import { add, makeLoss, paperTerms } from '@losskit/core';
 * const { crossEntropy, L1, L2, inputs } = paperTerms();
 * const loss = makeLoss('ce+l1+l2', add(crossEntropy, L1, L2), inputs);
 * ```
 */
export function paperTerms(numClasses?: number): PaperTerms {
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
    L1: mean(abs(difference)),
    L2: mean(square(difference)),
    inputs: { pred: predSpec, ...targetInputs },
  };
}
