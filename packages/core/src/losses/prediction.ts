import { constant, eq, input, sigmoid, softmax, sub } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { InputSpec } from './loss.js';
import { OptionError } from './options.js';

/**
 * 'binary': one foreground channel (class axis of size 1), sigmoid; 'multilabel': independent
 * sigmoid per class; 'multiclass': softmax over the class axis, exactly one class per pixel.
 *
 * @example
 * ```ts
 * import { focal, type Mode } from '@losskit/core';
 * const mode: Mode = 'multilabel';
 * const loss = focal({ mode });
 * ```
 */
export type Mode = 'binary' | 'multiclass' | 'multilabel';

export const PIXEL_ROLES = ['batch', 'spatial'] as const;

/**
 * Options of `prediction`: how the model output is read.
 *
 * @example
 * ```ts
 * import { prediction, type PredictionOptions } from '@losskit/core';
 * const options: PredictionOptions = { mode: 'binary', fromLogits: true };
 * const { probs } = prediction(options); // sigmoid(pred)
 * ```
 */
export interface PredictionOptions {
  readonly mode: Mode;
  readonly fromLogits: boolean;
  readonly numClasses?: number | undefined;
}

/**
 * The prediction input and its probabilities (softmax or sigmoid of logits, or as given).
 *
 * @example
 * ```ts
 * import { prediction } from '@losskit/core';
 * const { pred, probs } = prediction({ mode: 'multiclass', fromLogits: true }); // probs = softmax(pred)
 * ```
 */
export function prediction({ mode, fromLogits, numClasses }: PredictionOptions): {
  pred: Node;
  probs: Node;
  spec: InputSpec;
} {
  const pred = input('pred');
  const probs = !fromLogits ? pred : mode === 'multiclass' ? softmax(pred) : sigmoid(pred);
  const classes = mode === 'binary' ? 1 : numClasses;
  const spec: InputSpec = {
    roles: pred.roles,
    domain: fromLogits ? 'logits' : 'probability',
    ...(classes === undefined ? {} : { numClasses: classes }),
  };
  return { pred, probs, spec };
}

/**
 * Options of `classTarget`: dense or sparse target, classes, ignored pixels.
 *
 * @example
 * ```ts
 * import { classTarget, type TargetOptions } from '@losskit/core';
 * const options: TargetOptions = { loss: 'myLoss', mode: 'multiclass', sparse: false, mask: true };
 * const { target, valid } = classTarget(options);
 * ```
 */
export interface TargetOptions {
  readonly loss: string;
  readonly mode: Mode;
  /** Sparse integer labels [batch, spatial] instead of a dense target. */
  readonly sparse: boolean;
  readonly numClasses?: number | undefined;
  readonly ignoreIndex?: number | undefined;
  /** A dense 0/1 'mask' input [batch, spatial] marking the pixels that count. */
  readonly mask?: boolean | undefined;
}

/**
 * The target side of a classification loss: a one-hot tensor, the valid-pixel mask (or null) and the input declarations.
 *
 * @example
 * ```ts
 * import { classTarget, type Target } from '@losskit/core';
 * const t: Target = classTarget({ loss: 'myLoss', mode: 'multiclass', sparse: true, numClasses: 3, ignoreIndex: 255 });
 * ```
 */
export interface Target {
  /** The target spread over the class axis: one-hot (or 0/1 per class, or probabilities). */
  readonly target: Node;
  /** 1 where a pixel counts, 0 where it is ignored; null when every pixel counts. */
  readonly valid: Node | null;
  readonly inputs: Record<string, InputSpec>;
}

/**
 * 0, 1, ..., n-1 as a per-class constant.
 *
 * @example
 * ```ts
 * import { classIndices, eq, input } from '@losskit/core';
 * const onehot = eq(input('labels', ['batch', 'spatial']), classIndices(3)); // [batch, class, spatial]
 * ```
 */
export const classIndices = (n: number): Node => constant(Array.from({ length: n }, (_, c) => c));

/**
 * The target of a classification or overlap loss. Sparse labels are one-hot encoded inside the
 * graph as eq(labels, [0..C-1]) (broadcast to [batch, class, spatial]); ignored pixels become
 * an all-zero row there and a 0 in `valid`, so they drop out of every sum and count.
 *
 * @example
 * ```ts
 * import { classTarget } from '@losskit/core';
 * const { target, valid, inputs } = classTarget({ loss: 'myLoss', mode: 'multiclass', sparse: true, numClasses: 3 });
 * ```
 */
export function classTarget(options: TargetOptions): Target {
  const { loss, mode, sparse, numClasses, ignoreIndex, mask } = options;
  if (ignoreIndex !== undefined && !sparse)
    throw new OptionError(`${loss}: ignoreIndex needs sparse labels (sparse: true); for a dense target use mask: true`);
  if (mask && sparse) throw new OptionError(`${loss}: use either ignoreIndex with sparse labels or mask: true, not both`);
  if (sparse && mode === 'multilabel')
    throw new OptionError(`${loss}: multilabel mode needs a dense 0/1 target (sparse labels hold one class per pixel)`);
  if (sparse && mode === 'multiclass' && numClasses === undefined)
    throw new OptionError(`${loss}: sparse labels need numClasses to one-hot encode them`);
  const maskInput = mask ? input('mask', PIXEL_ROLES) : null;
  const inputs: Record<string, InputSpec> = maskInput ? { mask: { roles: maskInput.roles, domain: 'mask' } } : {};
  if (!sparse) {
    const target = input('target');
    const classes = mode === 'binary' ? 1 : numClasses;
    inputs.target = {
      roles: target.roles,
      domain: mode === 'multiclass' ? 'onehot' : 'binary',
      ...(classes === undefined ? {} : { numClasses: classes }),
    };
    return { target, valid: maskInput, inputs };
  }
  const labels = input('labels', PIXEL_ROLES);
  const range = mode === 'binary' ? 2 : numClasses!;
  inputs.labels = {
    roles: labels.roles,
    domain: 'labels',
    numClasses: range,
    ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
  };
  const target = mode === 'binary' ? eq(labels, 1) : eq(labels, classIndices(range));
  const valid = ignoreIndex === undefined ? null : sub(1, eq(labels, ignoreIndex));
  return { target, valid, inputs };
}

/** Options shared by the classification and overlap losses, as schema rows. */
export const TARGET_OPTION_RULES = {
  mode: { kind: 'enum', values: ['binary', 'multiclass', 'multilabel'] },
  fromLogits: { kind: 'boolean' },
  sparse: { kind: 'boolean' },
  numClasses: { kind: 'number', integer: true, min: 1 },
  ignoreIndex: { kind: 'number', integer: true },
  mask: { kind: 'boolean' },
} as const;
