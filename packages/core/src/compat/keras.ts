import { abs, add, clamp, div, input, le, log, logSoftmax, mean, mul, neg, pow, sigmoid, size, softmax, softplus, square, sub, sum, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { Role } from '../ir/roles.js';
import { probabilityBounds } from '../losses/float32.js';
import type { InputDomain, Loss } from '../losses/loss.js';
import { type OptionSchema, ensure, validateOptions } from '../losses/options.js';
import { logCoshOf } from '../losses/regression.js';
import { COMMON_OPTION_RULES, type CommonOptions, jsonCopy, reducedLoss } from '../losses/reduction.js';

/**
 * The options every Keras preset takes: Keras's reduction (default 'sum_over_batch_size'), per-sample
 * weights and name. Data is laid out as losskit's roles: Keras's last axis is the class axis.
 *
 * @example
 * ```ts
 * import { compat, type KerasOptions } from '@losskit/core';
 * const options: KerasOptions = { reduction: 'sum', sampleWeights: true };
 * const loss = compat.keras.MeanSquaredError(options);
 * ```
 */
export type KerasOptions = CommonOptions;

const BACKEND_EPSILON = 1e-7;
const tensors = (domain: InputDomain, targetDomain: InputDomain = 'real') => {
  const pred = input('pred');
  const target = input('target');
  return { pred, target, inputs: { pred: { roles: pred.roles, domain }, target: { roles: target.roles, domain: targetDomain } } };
};

/** `o` holds the common options; the config records every option the preset was given. */
function kerasLoss(className: string, o: KerasOptions, values: Node, inputs: Loss['inputs'], given: object | undefined): Loss {
  const loss = reducedLoss(className, { ...o, reduction: o.reduction ?? 'sum_over_batch_size', name: o.name ?? className }, values, null, inputs);
  return Object.freeze({ ...loss, config: Object.freeze({ className, config: jsonCopy(given ?? {}) }) });
}

/** Keras's (value per element) -> mean over the last axis, the class axis. */
const overLastAxis = (values: Node): Node => mean(values, ['class']);

function pointwise(className: string, perElement: (d: Node) => Node, extra: OptionSchema = {}) {
  return (options?: KerasOptions & { delta?: number }): Loss => {
    const o = validateOptions(className, options, { ...COMMON_OPTION_RULES, ...extra });
    const { pred, target, inputs } = tensors('real');
    const { delta: _d, ...common } = o;
    return kerasLoss(className, common, overLastAxis(perElement(sub(pred, target))), inputs, options);
  };
}

/**
 * Keras `axis` as roles, read on the channels-last tensor of rank `rank` (default 4: batch,
 * height, width, class): 0 is batch, rank - 1 (or -1) the class axis, the others spatial, which
 * reduce together (a role is reduced whole). null: every axis.
 */
function axisRoles(className: string, axis: readonly number[] | null | undefined, rank = 4): Role[] {
  if (axis === null || axis === undefined) return ['batch', 'class', 'spatial'];
  const roles = new Set<Role>();
  const spatial = new Set<number>();
  for (const a of axis) {
    const k = a < 0 ? a + rank : a;
    ensure(k >= 0 && k < rank, `${className}: axis ${a} is outside a rank-${rank} tensor`);
    if (k === 0) roles.add('batch');
    else if (k === rank - 1) roles.add('class');
    else spatial.add(k);
  }
  ensure(spatial.size === 0 || spatial.size === rank - 2, `${className}: axis must list all spatial axes 1..${rank - 2} or none (a role reduces whole)`);
  if (spatial.size > 0) roles.add('spatial');
  return [...roles];
}

const OVERLAP_SCHEMA: OptionSchema = {
  ...COMMON_OPTION_RULES,
  axis: { kind: 'indices' },
  rank: { kind: 'number', integer: true, min: 2 },
  alpha: { kind: 'number', min: 0 },
  beta: { kind: 'number', min: 0 },
};

/** Keras Dice / Tversky options. */
export interface KerasOverlapOptions extends KerasOptions {
  /** Keras axes summed over (default: all, one value for the batch). */
  readonly axis?: readonly number[] | null;
  /** The rank of the Keras tensor the axes refer to (default 4). */
  readonly rank?: number;
  readonly alpha?: number;
  readonly beta?: number;
}

function tverskyLoss(className: string, options: KerasOverlapOptions | undefined, defaults: { alpha: number; beta: number }): Loss {
  const o = validateOptions(className, options, OVERLAP_SCHEMA);
  const roles = axisRoles(className, o.axis, o.rank);
  const { pred: p, target: t, inputs } = tensors('probability', 'binary');
  const intersection = sum(mul(p, t), roles);
  const fp = sum(mul(sub(1, t), p), roles);
  const fn = sum(mul(t, sub(1, p)), roles);
  const alpha = o.alpha ?? defaults.alpha;
  const beta = o.beta ?? defaults.beta;
  // Dice: 1 - 2 I / (T + P + eps); Tversky: 1 - I / (I + alpha FP + beta FN + eps)
  const score =
    className === 'keras.Dice'
      ? div(mul(2, intersection), add(sum(t, roles), sum(p, roles), BACKEND_EPSILON))
      : div(intersection, add(intersection, mul(alpha, fp), mul(beta, fn), BACKEND_EPSILON));
  const { alpha: _a, beta: _b, axis: _x, rank: _r, ...common } = o;
  return kerasLoss(className, common, sub(1, score), inputs, options);
}

/** Keras cross-entropy options. */
export interface KerasCrossentropyOptions extends KerasOptions {
  /** Default false: pred holds probabilities. */
  readonly fromLogits?: boolean;
  readonly labelSmoothing?: number;
}

/** Keras focal options. */
export interface KerasFocalOptions extends KerasCrossentropyOptions {
  readonly alpha?: number;
  readonly gamma?: number;
  /** BinaryFocalCrossentropy: weight alpha on positives, 1 - alpha on negatives. Default false. */
  readonly applyClassBalancing?: boolean;
}

const CE_SCHEMA: OptionSchema = {
  ...COMMON_OPTION_RULES,
  fromLogits: { kind: 'boolean' },
  labelSmoothing: { kind: 'number', min: 0, max: 1 },
  alpha: { kind: 'number', min: 0, max: 1 },
  gamma: { kind: 'number', min: 0 },
  applyClassBalancing: { kind: 'boolean' },
};

const [LO, HI] = probabilityBounds(BACKEND_EPSILON);

/** Binary CE per element: exact from logits (TF's sigmoid_cross_entropy_with_logits), clipped from probabilities. */
const binaryCe = (pred: Node, t: Node, fromLogits: boolean): Node => {
  if (fromLogits) return sub(softplus(pred), mul(t, pred));
  const p = clamp(pred, LO, HI);
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
};

/** Probabilities renormalised over the class axis and clipped to [eps, 1 - eps], as Keras. */
const kerasProbabilities = (pred: Node, fromLogits: boolean): Node =>
  clamp(fromLogits ? softmax(pred) : div(pred, sum(pred, ['class'])), LO, HI);

function binaryCrossentropy(className: string, focal: boolean) {
  return (options?: KerasFocalOptions): Loss => {
    const o = validateOptions(className, options, CE_SCHEMA);
    const { fromLogits = false, labelSmoothing = 0, alpha = 0.25, gamma = 2, applyClassBalancing = false, ...common } = o;
    ensure(focal || (options?.alpha === undefined && options?.gamma === undefined), `${className}: alpha and gamma belong to BinaryFocalCrossentropy`);
    const { pred, target, inputs } = tensors(fromLogits ? 'logits' : 'probability', 'binary');
    const t = labelSmoothing > 0 ? add(mul(target, 1 - labelSmoothing), 0.5 * labelSmoothing) : target;
    let values = binaryCe(pred, t, fromLogits);
    if (focal) {
      const p = fromLogits ? sigmoid(pred) : pred;
      const pt = add(mul(t, p), mul(sub(1, t), sub(1, p)));
      values = mul(pow(sub(1, pt), gamma), values);
      if (applyClassBalancing) values = mul(add(mul(alpha, t), mul(1 - alpha, sub(1, t))), values);
    }
    return kerasLoss(className, common, overLastAxis(values), inputs, options);
  };
}

function categoricalCrossentropy(className: string, focal: boolean) {
  return (options?: KerasFocalOptions): Loss => {
    const o = validateOptions(className, options, CE_SCHEMA);
    const { fromLogits = false, labelSmoothing = 0, alpha = 0.25, gamma = 2, applyClassBalancing, ...common } = o;
    ensure(applyClassBalancing === undefined, `${className}: applyClassBalancing belongs to BinaryFocalCrossentropy`);
    ensure(focal || (options?.alpha === undefined && options?.gamma === undefined), `${className}: alpha and gamma belong to CategoricalFocalCrossentropy`);
    const { pred, target, inputs } = tensors(fromLogits ? 'logits' : 'probability', 'onehot');
    const classes = size(['class']);
    const t = labelSmoothing > 0 ? add(mul(target, 1 - labelSmoothing), div(labelSmoothing, classes)) : target;
    let values: Node;
    if (focal) {
      const p = kerasProbabilities(pred, fromLogits);
      values = sum(mul(mul(alpha, pow(sub(1, p), gamma)), neg(mul(t, log(p)))), ['class']);
    } else {
      // from logits Keras takes log_softmax (no clip); from probabilities it renormalises and clips
      values = neg(sum(mul(t, fromLogits ? logSoftmax(pred) : log(kerasProbabilities(pred, false))), ['class']));
    }
    return kerasLoss(className, common, values, inputs, options);
  };
}

/**
 * Keras's losses with Keras's conventions (keras 3, `keras/src/losses/losses.py`): from
 * probabilities by default, the class (last) axis renormalised and clipped to [1e-7, 1 - 1e-7],
 * reduction 'sum_over_batch_size', per-sample weights, a name.
 *
 * @example
 * ```ts
 * import { compat } from '@losskit/core';
 * const loss = compat.keras.CategoricalCrossentropy({ labelSmoothing: 0.1 });
 * ```
 */
export const keras = {
  MeanSquaredError: pointwise('keras.MeanSquaredError', (d) => mul(d, d)),
  MeanAbsoluteError: pointwise('keras.MeanAbsoluteError', (d) => abs(d)),
  LogCosh: pointwise('keras.LogCosh', logCoshOf),
  Huber: (options?: KerasOptions & { delta?: number }): Loss => {
    const delta = options?.delta ?? 1;
    return pointwise('keras.Huber', (d) => huberOf(d, delta), { delta: { kind: 'number', above: 0 } })(options);
  },
  BinaryCrossentropy: binaryCrossentropy('keras.BinaryCrossentropy', false),
  BinaryFocalCrossentropy: binaryCrossentropy('keras.BinaryFocalCrossentropy', true),
  CategoricalCrossentropy: categoricalCrossentropy('keras.CategoricalCrossentropy', false),
  CategoricalFocalCrossentropy: categoricalCrossentropy('keras.CategoricalFocalCrossentropy', true),
  Dice: (options?: Omit<KerasOverlapOptions, 'alpha' | 'beta'>): Loss => tverskyLoss('keras.Dice', options, { alpha: 0.5, beta: 0.5 }),
  Tversky: (options?: KerasOverlapOptions): Loss => tverskyLoss('keras.Tversky', options, { alpha: 0.5, beta: 0.5 }),
} as const;

/** Keras huber: d^2/2 for |d| <= delta, delta (|d| - delta/2) beyond. */
const huberOf = (d: Node, delta: number): Node => where(le(abs(d), delta), mul(0.5, square(d)), mul(delta, sub(abs(d), 0.5 * delta)));
