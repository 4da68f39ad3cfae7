import { abs, add, broadcastLike, constant, cumsum, div, eq, gt, max, mean, mul, relu, sortBy, sub, sum, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { Role } from '../ir/roles.js';
import type { Loss } from './loss.js';
import { type OptionSchema, ensure, validateOptions } from './options.js';
import { TARGET_OPTION_RULES, classTarget, prediction } from './prediction.js';
import { COMMON_OPTION_RULES, type CommonOptions, reducedLoss } from './reduction.js';

/**
 * The Lovász extension of the Jaccard loss (Berman et al. 2018, Alg. 1) along `along`: with the
 * errors e sorted descending (and the foreground fg in the same order), J_i = 1 - I_i / U_i after
 * the first i + 1 elements, the loss is sum_i e_i (J_i - J_(i-1)), J_(-1) = 0. Since
 * U_i - I_i = i + 1, J_i = (i + 1) / U_i with U_i = sum(fg) + (i + 1) - cumsum(fg)_i, and
 * U_(i-1) = U_i - 1 + fg_i, the difference is taken without cancelling:
 * J_i - J_(i-1) = (U_i - (i + 1)(1 - fg_i)) / (U_i U_(i-1)) for i >= 1 (U_(i-1) >= i), and
 * 1 / U_0 at i = 0. For 0/1 targets every count is an integer, exact in float32 up to 2^24
 * elements, so each difference is within a few ulps; 1 - I/U differenced (the reference code)
 * loses about n ulps of J at n elements (1 % at 2^18). The errors carry the gradient; the
 * permutation is piecewise constant.
 *
 * @example
 * ```ts
 * import { abs, input, lovaszExtension, sub } from '@losskit/core';
 * const t = input('target');
 * const perClass = lovaszExtension(abs(sub(t, input('pred'))), t, ['batch', 'spatial']); // roles [class]
 * ```
 */
export function lovaszExtension(errors: Node, foregroundOf: Node, along: readonly Role[]): Node {
  const foreground = foregroundOf.roles.length === errors.roles.length ? foregroundOf : broadcastLike(foregroundOf, errors);
  const sorted = sortBy(errors, errors, along);
  const fg = sortBy(errors, foreground, along);
  const position = cumsum(broadcastLike(1, errors), along); // i + 1
  const union = sub(add(sum(foreground, along), position), cumsum(fg, along));
  // U_(i-1), floored at 1: only U_(-1) = sum(fg) can be below 1, and there the numerator is U_(-1) too
  const previousUnion = max(add(sub(union, 1), fg), 1);
  const numerator = where(eq(position, 1), previousUnion, sub(union, mul(position, sub(1, fg))));
  return sum(mul(sorted, div(numerator, mul(union, previousUnion))), along);
}

/**
 * Options of `lovaszSoftmax`.
 *
 * @example
 * ```ts
 * import { lovaszSoftmax, type LovaszSoftmaxOptions } from '@losskit/core';
 * const options: LovaszSoftmaxOptions = { sparse: true, numClasses: 3, ignoreIndex: 255, perImage: true };
 * const loss = lovaszSoftmax(options);
 * ```
 */
export interface LovaszSoftmaxOptions extends CommonOptions {
  /** pred holds logits (default; softmax over classes) or probabilities. */
  readonly fromLogits?: boolean;
  readonly sparse?: boolean;
  readonly numClasses?: number;
  readonly ignoreIndex?: number;
  readonly mask?: boolean;
  /** true: a loss per image, averaged; false (default, as smp's LovaszLoss): the pixels of the whole batch as one set. */
  readonly perImage?: boolean;
  /** Classes averaged: 'present' (default: those with target pixels in the image or batch), 'all', or a list. */
  readonly classes?: 'present' | 'all' | readonly number[];
}

/**
 * Options of `lovaszHinge`.
 *
 * @example
 * ```ts
 * import { lovaszHinge, type LovaszHingeOptions } from '@losskit/core';
 * const options: LovaszHingeOptions = { mode: 'binary', sparse: true, ignoreIndex: 255 };
 * const loss = lovaszHinge(options);
 * ```
 */
export interface LovaszHingeOptions extends CommonOptions {
  /** 'binary' (default, one logit channel) or 'multilabel' (every channel's pixels pooled into one set, as smp). */
  readonly mode?: 'binary' | 'multilabel';
  /** Binary mode: 0/1 labels [batch, spatial] instead of a dense target. */
  readonly sparse?: boolean;
  readonly ignoreIndex?: number;
  readonly mask?: boolean;
  /** true: a loss per image, averaged; false (default): the whole batch as one set. */
  readonly perImage?: boolean;
}

const SOFTMAX_SCHEMA: OptionSchema = {
  fromLogits: TARGET_OPTION_RULES.fromLogits,
  sparse: TARGET_OPTION_RULES.sparse,
  numClasses: TARGET_OPTION_RULES.numClasses,
  ignoreIndex: TARGET_OPTION_RULES.ignoreIndex,
  mask: TARGET_OPTION_RULES.mask,
  perImage: { kind: 'boolean' },
  classes: { kind: 'anyOf', rules: [{ kind: 'enum', values: ['present', 'all'] }, { kind: 'indices' }] },
  ...COMMON_OPTION_RULES,
};

const HINGE_SCHEMA: OptionSchema = {
  mode: { kind: 'enum', values: ['binary', 'multilabel'] },
  sparse: TARGET_OPTION_RULES.sparse,
  ignoreIndex: TARGET_OPTION_RULES.ignoreIndex,
  mask: TARGET_OPTION_RULES.mask,
  perImage: { kind: 'boolean' },
  ...COMMON_OPTION_RULES,
};

/**
 * Lovász-softmax (Berman et al. 2018): per class c the Lovász extension of the Jaccard loss on the
 * errors |fg_c - p_c| over the pixels of the batch (or of each image), averaged over the classes
 * (by default those present in the target; none present gives 0). Ignored pixels get error 0 and
 * foreground 0, which sorts them last and leaves every other term as if they were removed.
 *
 * @example
 * ```ts
 * import { lovaszSoftmax } from '@losskit/core';
 * const loss = lovaszSoftmax({ sparse: true, numClasses: 4 }); // pred logits [N, 4, H, W], labels [N, H, W]
 * ```
 */
export function lovaszSoftmax(options?: LovaszSoftmaxOptions): Loss {
  const o = validateOptions('lovaszSoftmax', options, SOFTMAX_SCHEMA);
  const classes = o.classes ?? 'present';
  const list = typeof classes === 'string' ? undefined : classes;
  ensure(list === undefined || o.numClasses !== undefined, 'lovaszSoftmax: a list of classes needs numClasses');
  ensure(list === undefined || list.every((c) => c < o.numClasses!), `lovaszSoftmax: classes must be < numClasses (${o.numClasses})`);
  const { probs, spec } = prediction({ mode: 'multiclass', fromLogits: o.fromLogits ?? true, numClasses: o.numClasses });
  const target = classTarget({ loss: 'lovaszSoftmax', mode: 'multiclass', sparse: o.sparse ?? false, numClasses: o.numClasses, ignoreIndex: o.ignoreIndex, mask: o.mask });
  const masked = (x: Node) => (target.valid ? mul(x, target.valid) : x);
  const fg = masked(target.target);
  const along: Role[] = o.perImage ? ['spatial'] : ['batch', 'spatial'];
  const perClass = lovaszExtension(masked(abs(sub(fg, probs))), fg, along);
  const chosen = list ? constant(Array.from({ length: o.numClasses! }, (_, c) => (list.includes(c) ? 1 : 0))) : null;
  const present = classes === 'present' ? gt(sum(fg, along), 0) : null;
  const weights = chosen ?? present;
  // the mean over the chosen classes of each image (or of the batch); none chosen: 0, as smp
  const values = weights
    ? div(sum(mul(perClass, weights), ['class']), max(sum(broadcastLike(weights, perClass), ['class']), 1))
    : mean(perClass, ['class']);
  return reducedLoss('lovaszSoftmax', o, values, null, { pred: spec, ...target.inputs });
}

/**
 * Lovász hinge (Berman et al. 2018): the Lovász extension of the Jaccard loss on the hinge errors
 * relu(1 - z (2t - 1)) of the logits z over the pixels of the batch (or of each image). Sorting by
 * the relu'd errors gives smp's value: elements with error <= 0 add nothing in any order.
 *
 * @example
 * ```ts
 * import { lovaszHinge } from '@losskit/core';
 * const loss = lovaszHinge({ perImage: true }); // pred logits [N, 1, H, W], target 0/1 [N, 1, H, W]
 * ```
 */
export function lovaszHinge(options?: LovaszHingeOptions): Loss {
  const o = validateOptions('lovaszHinge', options, HINGE_SCHEMA);
  const mode = o.mode ?? 'binary';
  const { pred, spec } = prediction({ mode, fromLogits: true });
  const target = classTarget({ loss: 'lovaszHinge', mode, sparse: o.sparse ?? false, ignoreIndex: o.ignoreIndex, mask: o.mask });
  const masked = (x: Node) => (target.valid ? mul(x, target.valid) : x);
  const fg = masked(target.target);
  const errors = masked(relu(sub(1, mul(pred, sub(mul(2, target.target), 1)))));
  const along: Role[] = o.perImage ? ['class', 'spatial'] : ['batch', 'class', 'spatial'];
  return reducedLoss('lovaszHinge', o, lovaszExtension(errors, fg, along), null, { pred: spec, ...target.inputs });
}
