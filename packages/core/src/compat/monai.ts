import { abs, add, constant, div, eq, exp, input, logSoftmax, max, mean, mul, neg, pow, sigmoid, size, softmax, softplus, square, sub, sum, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { Role } from '../ir/roles.js';
import type { InputSpec, Loss } from '../losses/loss.js';
import { type OptionRule, ensure, validateOptions } from '../losses/options.js';
import { PIXEL_ROLES, classIndices } from '../losses/prediction.js';
import { jsonCopy, reducedLoss } from '../losses/reduction.js';

/**
 * The options MONAI's region losses share (`monai.losses.DiceLoss` and its kin), camelCased, with
 * MONAI's defaults: no activation unless `sigmoid`, `softmax` or `otherAct` says so, a dense
 * target [batch, class, spatial] unless `toOnehotY` (then integer labels 'labels' [batch, spatial]).
 * MONAI reads the class count from `input.shape[1]`; a graph is built before it sees data, so
 * `numClasses` says it where the graph needs it (`toOnehotY`, `includeBackground: false`, the
 * absent-class weight of GeneralizedDiceLoss, softmax focal's `alpha`). Give `numClasses: 1` for a
 * single channel: MONAI then ignores `softmax`, `toOnehotY` and `includeBackground` (with a warning).
 *
 * @example
 * ```ts
 * import { compat, type MonaiOptions } from '@losskit/core';
 * const options: MonaiOptions = { softmax: true, toOnehotY: true, numClasses: 3, includeBackground: false };
 * const loss = compat.monai.DiceLoss(options);
 * ```
 */
export interface MonaiOptions {
  /** Default true; false drops channel 0 (after the activation, as MONAI). */
  readonly includeBackground?: boolean;
  /** Default false. true: the target is integer labels 'labels' [batch, spatial], one-hot encoded in the graph. */
  readonly toOnehotY?: boolean;
  readonly sigmoid?: boolean;
  readonly softmax?: boolean;
  /** MONAI's `other_act`: any activation built from the IR, e.g. `tanh`. A loss given one carries no config. */
  readonly otherAct?: (pred: Node) => Node;
  /** The channel count (MONAI's `input.shape[1]`), where the graph needs it. */
  readonly numClasses?: number;
  readonly name?: string;
}

/**
 * The options of MONAI's region losses: smoothing, per-image or batch counts, soft labels, reduction.
 *
 * @example
 * ```ts
 * import { compat, type MonaiRegionOptions } from '@losskit/core';
 * const options: MonaiRegionOptions = { sigmoid: true, smoothNr: 0, smoothDr: 1e-6, batch: true };
 * const loss = compat.monai.TverskyLoss(options);
 * ```
 */
export interface MonaiRegionOptions extends MonaiOptions {
  /** Added to the numerator (default 1e-5). */
  readonly smoothNr?: number;
  /** Added to the denominator (default 1e-5). */
  readonly smoothDr?: number;
  /** Default false: a score per image and class; true: counts summed over the batch first. */
  readonly batch?: boolean;
  /** MONAI's `soft_label`: counts from norms, tp = (|p| + |t| - |p - t|) / 2, right for soft targets. */
  readonly softLabel?: boolean;
  /** Default 'mean' (over images and classes); 'none' keeps [batch, class] (class 0 is a 0 entry when excluded). */
  readonly reduction?: 'mean' | 'sum' | 'none';
}

/**
 * `monai.losses.DiceLoss` options.
 *
 * @example
 * ```ts
 * import { compat, type MonaiDiceOptions } from '@losskit/core';
 * const options: MonaiDiceOptions = { sigmoid: true, squaredPred: true, weight: [1, 2], numClasses: 2 };
 * const loss = compat.monai.DiceLoss(options);
 * ```
 */
export interface MonaiDiceOptions extends MonaiRegionOptions {
  /** Sum of squares in the denominator (MONAI's `squared_pred`). */
  readonly squaredPred?: boolean;
  /** Soft Jaccard (IoU) instead of Dice. */
  readonly jaccard?: boolean;
  /** Per-class weight (one number for all, or one per class, background left out when excluded): the loss is mean(w f). */
  readonly weight?: number | readonly number[];
}

/**
 * `monai.losses.TverskyLoss` options.
 *
 * @example
 * ```ts
 * import { compat, type MonaiTverskyOptions } from '@losskit/core';
 * const options: MonaiTverskyOptions = { softmax: true, alpha: 0.3, beta: 0.7 };
 * const loss = compat.monai.TverskyLoss(options);
 * ```
 */
export interface MonaiTverskyOptions extends MonaiRegionOptions {
  /** Weight of false positives (default 0.5). */
  readonly alpha?: number;
  /** Weight of false negatives (default 0.5). */
  readonly beta?: number;
}

/**
 * `monai.losses.GeneralizedDiceLoss` options.
 *
 * @example
 * ```ts
 * import { compat, type MonaiGeneralizedDiceOptions } from '@losskit/core';
 * const options: MonaiGeneralizedDiceOptions = { softmax: true, toOnehotY: true, numClasses: 4, wType: 'simple' };
 * const loss = compat.monai.GeneralizedDiceLoss(options);
 * ```
 */
export interface MonaiGeneralizedDiceOptions extends MonaiRegionOptions {
  /** Class weight from the target volume T: 'square' 1/T^2 (default), 'simple' 1/T, 'uniform' 1. */
  readonly wType?: 'square' | 'simple' | 'uniform';
}

/**
 * `monai.losses.FocalLoss` options: pred holds logits.
 *
 * @example
 * ```ts
 * import { compat, type MonaiFocalOptions } from '@losskit/core';
 * const options: MonaiFocalOptions = { toOnehotY: true, numClasses: 3, useSoftmax: true, alpha: 0.8 };
 * const loss = compat.monai.FocalLoss(options);
 * ```
 */
export interface MonaiFocalOptions extends Pick<MonaiOptions, 'includeBackground' | 'toOnehotY' | 'numClasses' | 'name'> {
  /** Default 2. */
  readonly gamma?: number;
  /** Sigmoid: alpha on positives, 1 - alpha on negatives; softmax: 1 - alpha on class 0, alpha on the others. */
  readonly alpha?: number;
  readonly weight?: number | readonly number[];
  /** 'mean' (default: over batch, class and pixels), 'sum' (of the per-image, per-class pixel means) or 'none'. */
  readonly reduction?: 'mean' | 'sum' | 'none';
  /** Default false: sigmoid focal per class; true: softmax focal over the classes. */
  readonly useSoftmax?: boolean;
}

/**
 * `monai.losses.DiceCELoss` options: pred holds logits (the cross-entropy takes them as they are;
 * `sigmoid` / `softmax` / `otherAct` act on the Dice term only, as MONAI).
 *
 * @example
 * ```ts
 * import { compat, type MonaiDiceCEOptions } from '@losskit/core';
 * const options: MonaiDiceCEOptions = { softmax: true, toOnehotY: true, numClasses: 3, lambdaCe: 2 };
 * const loss = compat.monai.DiceCELoss(options);
 * ```
 */
export interface MonaiDiceCEOptions extends Omit<MonaiDiceOptions, 'reduction' | 'weight' | 'softLabel'> {
  /** 'mean' (default) or 'sum' (MONAI refuses 'none'). */
  readonly reduction?: 'mean' | 'sum';
  /** One weight per class, background included: torch's CE `weight` (BCE's `pos_weight` with one channel); Dice takes it without the background. */
  readonly weight?: readonly number[];
  readonly lambdaDice?: number;
  readonly lambdaCe?: number;
  /** torch CrossEntropyLoss's label_smoothing (multi-channel only). */
  readonly labelSmoothing?: number;
}

/**
 * `monai.losses.DiceFocalLoss` options: pred holds logits; the focal term is MONAI's sigmoid focal.
 *
 * @example
 * ```ts
 * import { compat, type MonaiDiceFocalOptions } from '@losskit/core';
 * const options: MonaiDiceFocalOptions = { sigmoid: true, gamma: 1, lambdaFocal: 0.5 };
 * const loss = compat.monai.DiceFocalLoss(options);
 * ```
 */
export interface MonaiDiceFocalOptions extends Omit<MonaiDiceOptions, 'softLabel'> {
  readonly gamma?: number;
  readonly alpha?: number;
  readonly lambdaDice?: number;
  readonly lambdaFocal?: number;
}

const RULES = {
  includeBackground: { kind: 'boolean' },
  toOnehotY: { kind: 'boolean' },
  sigmoid: { kind: 'boolean' },
  softmax: { kind: 'boolean' },
  otherAct: { kind: 'function' },
  numClasses: { kind: 'number', integer: true, min: 1 },
  name: { kind: 'string' },
  smoothNr: { kind: 'number', min: 0 },
  smoothDr: { kind: 'number', min: 0 },
  batch: { kind: 'boolean' },
  softLabel: { kind: 'boolean' },
  reduction: { kind: 'enum', values: ['mean', 'sum', 'none'] },
  squaredPred: { kind: 'boolean' },
  jaccard: { kind: 'boolean' },
  weight: { kind: 'anyOf', rules: [{ kind: 'number', min: 0 }, { kind: 'weights' }] },
  alpha: { kind: 'number', min: 0 },
  beta: { kind: 'number', min: 0 },
  wType: { kind: 'enum', values: ['square', 'simple', 'uniform'] },
  gamma: { kind: 'number', min: 0 },
  useSoftmax: { kind: 'boolean' },
  lambdaDice: { kind: 'number', min: 0 },
  lambdaCe: { kind: 'number', min: 0 },
  lambdaFocal: { kind: 'number', min: 0 },
  labelSmoothing: { kind: 'number', min: 0, max: 1 },
} as const satisfies Record<string, OptionRule>;

type RuleName = keyof typeof RULES;
const ACTIVATION: RuleName[] = ['includeBackground', 'toOnehotY', 'sigmoid', 'softmax', 'otherAct', 'numClasses', 'name'];
const REGION: RuleName[] = [...ACTIVATION, 'smoothNr', 'smoothDr', 'batch', 'softLabel', 'reduction'];
const DICE: RuleName[] = [...REGION, 'squaredPred', 'jaccard', 'weight'];
const FOCAL: RuleName[] = ['includeBackground', 'toOnehotY', 'numClasses', 'name', 'gamma', 'alpha', 'weight', 'reduction', 'useSoftmax'];

/** The focal alpha is a balance in [0, 1]; Tversky's alpha is any false-positive weight >= 0. */
const FOCAL_ALPHA: OptionRule = { kind: 'number', min: 0, max: 1 };

/** validateOptions against the rows `keys` of RULES (an option of another preset is refused). */
function check<T extends object>(className: string, options: T | undefined, keys: readonly RuleName[], focal = false): T {
  const schema: Record<string, OptionRule> = Object.fromEntries(keys.map((k) => [k, RULES[k]]));
  return validateOptions(className, options, focal ? { ...schema, alpha: FOCAL_ALPHA } : schema);
}

/** The loss with the preset's name and options as its config; with a function (otherAct) it has none, as JSON cannot hold one. */
function preset(className: string, options: MonaiOptions | undefined, expr: Node, inputs: Record<string, InputSpec>): Loss {
  const loss = reducedLoss(className, { reduction: 'none', name: options?.name ?? className }, expr, null, inputs);
  const { config: _dropped, ...rest } = loss;
  if (options?.otherAct) return Object.freeze(rest);
  return Object.freeze({ ...rest, config: Object.freeze({ className, config: jsonCopy(options ?? {}) }) });
}

/** The data side: pred, the target spread over the classes, the background mask and the class counts. */
interface Setup {
  readonly pred: Node;
  readonly target: Node;
  /** Constant [0, 1, ..., 1] over the classes when the background is excluded, else null. */
  readonly keep: Node | null;
  /** Channels (MONAI's input.shape[1]) and the channels that count (K = C - 1 without the background). */
  readonly C: number | undefined;
  readonly K: number | undefined;
  readonly inputs: Record<string, InputSpec>;
}

function setup(className: string, o: MonaiOptions & { softLabel?: boolean }, C: number | undefined, predDomain: InputSpec['domain']): Setup {
  const pred = input('pred');
  const inputs: Record<string, InputSpec> = { pred: { roles: pred.roles, domain: predDomain, ...(C === undefined ? {} : { numClasses: C }) } };
  let target: Node;
  // MONAI ignores to_onehot_y and include_background on a single channel
  if (o.toOnehotY && C !== 1) {
    ensure(C !== undefined, `${className}: toOnehotY needs numClasses (MONAI reads it from input.shape[1])`);
    const labels = input('labels', PIXEL_ROLES);
    inputs.labels = { roles: labels.roles, domain: 'labels', numClasses: C! };
    target = eq(labels, classIndices(C!));
  } else {
    target = input('target');
    inputs.target = { roles: target.roles, domain: o.softLabel ? 'probability' : 'binary', ...(C === undefined ? {} : { numClasses: C }) };
  }
  const dropBackground = o.includeBackground === false && C !== 1;
  ensure(!dropBackground || C !== undefined, `${className}: includeBackground: false needs numClasses (MONAI reads it from input.shape[1])`);
  const keep = dropBackground ? constant(Array.from({ length: C! }, (_, c) => (c === 0 ? 0 : 1))) : null;
  return { pred, target, keep, C, K: C === undefined ? undefined : keep ? C - 1 : C, inputs };
}

/** MONAI's activation of the region losses: at most one of sigmoid, softmax (ignored on one channel), otherAct. */
function activate(className: string, pred: Node, o: MonaiOptions, C: number | undefined): Node {
  const given = [o.sigmoid, o.softmax, o.otherAct !== undefined].filter(Boolean).length;
  ensure(given <= 1, `${className}: give at most one of sigmoid, softmax and otherAct (as MONAI)`);
  if (o.sigmoid) return sigmoid(pred);
  if (o.softmax) return C === 1 ? pred : softmax(pred);
  return o.otherAct ? o.otherAct(pred) : pred;
}
const activated = (o: MonaiOptions) => Boolean(o.sigmoid || o.softmax || o.otherAct);

/** The class count from numClasses or the length of a weight array (`withBackground`: the array counts class 0). */
function classCount(className: string, o: MonaiOptions & { weight?: number | readonly number[] }, withBackground: boolean): number | undefined {
  if (typeof o.weight !== 'object') return o.numClasses;
  const n = o.weight.length + (withBackground || o.includeBackground !== false ? 0 : 1);
  const C = o.numClasses ?? n;
  ensure(n === C || (C === 1 && o.weight.length === 1), `${className}: weight has ${o.weight.length} values, but numClasses ${C} needs ${withBackground || o.includeBackground !== false ? C : C - 1} (one per class${withBackground ? '' : ', background left out when excluded'})`);
  return C;
}

/**
 * The per-class weight as a constant over the full class axis (0 on an excluded background), or
 * null where MONAI applies none: no weight, or a single class left (`num_of_classes == 1`).
 */
function classWeight(weight: number | readonly number[] | undefined, s: Setup, withBackground: boolean): Node | null {
  if (weight === undefined || s.K === 1) return null;
  if (typeof weight === 'number') return constant(weight);
  const full = s.keep && !withBackground ? [0, ...weight] : [...weight];
  return constant(s.keep ? full.map((w, c) => (c === 0 ? 0 : w)) : full);
}

/** Masks the class-0 entries of per-class values out when the background is excluded. */
const kept = (x: Node, s: Setup): Node => (s.keep ? mul(x, s.keep) : x);

/**
 * MONAI's reductions of per-class (or per-element) values: 'mean' over every entry MONAI keeps
 * (the masked background does not count: mean over C entries times C / K), 'sum', 'none'.
 */
function reduce(values: Node, reduction: 'mean' | 'sum' | 'none', s: Setup): Node {
  if (reduction === 'none') return values;
  if (reduction === 'sum') return sum(values);
  return s.keep ? mul(mean(values), s.C! / s.K!) : mean(values);
}

/** Sums over the pixels, and the batch with `batch: true`. */
const regionRoles = (batch: boolean | undefined): Role[] => (batch ? ['batch', 'spatial'] : ['spatial']);

/**
 * MONAI's compute_tp_fp_fn: tp = sum p t, P = sum p, T = sum t; with soft labels or squared
 * predictions P = |p|_k^k, T = |t|_k^k and tp = (P + T - |p - t|_k^k) / 2 (k = 2: exactly sum p t).
 */
function counts(p: Node, t: Node, over: Role[], softLabel: boolean, squared: boolean) {
  if (squared) return { tp: sum(mul(p, t), over), P: sum(square(p), over), T: sum(square(t), over) };
  if (!softLabel) return { tp: sum(mul(p, t), over), P: sum(p, over), T: sum(t, over) };
  const P = sum(abs(p), over);
  const T = sum(abs(t), over);
  return { tp: div(sub(add(P, T), sum(abs(sub(p, t)), over)), 2), P, T };
}

/** The masked background has tp = P = T = 0: adding 1 to its denominator keeps its (masked) score finite. */
const safeDenominator = (d: Node, s: Setup): Node => (s.keep ? add(d, sub(1, s.keep)) : d);

/** Dice (or Jaccard) per class, weighted and reduced: the Dice term of DiceLoss, DiceCELoss and DiceFocalLoss. */
function diceTerm(className: string, o: MonaiDiceOptions, s: Setup, weight: Node | null): Node {
  const probs = activate(className, s.pred, o, s.C);
  const p = kept(probs, s);
  const t = kept(s.target, s);
  const { tp, P, T } = counts(p, t, regionRoles(o.batch), o.softLabel ?? false, o.squaredPred ?? false);
  // Dice: 1 - (2 tp + nr) / (P + T + dr); Jaccard: 1 - (2 tp + nr) / (2 (P + T - tp) + dr)
  const union = o.jaccard ? mul(2, sub(add(P, T), tp)) : add(P, T);
  const denominator = safeDenominator(add(union, o.smoothDr ?? 1e-5), s);
  const f = sub(1, div(add(mul(2, tp), o.smoothNr ?? 1e-5), denominator));
  return reduce(weight ? mul(kept(f, s), weight) : kept(f, s), o.reduction ?? 'mean', s);
}

/**
 * MONAI's sigmoid focal per element: BCE-with-logits softplus(x) - x t times
 * exp(-gamma softplus(x (2t - 1))) (= (1 - p_t)^gamma for 0/1 targets), alpha t + (1 - alpha)(1 - t).
 */
function sigmoidFocal(x: Node, t: Node, gamma: number, alpha: number | undefined): Node {
  const ce = sub(softplus(x), mul(x, t));
  let values = gamma === 0 ? ce : mul(exp(neg(mul(gamma, softplus(mul(x, sub(mul(2, t), 1)))))), ce);
  if (alpha !== undefined) values = mul(add(mul(t, alpha), mul(sub(1, t), 1 - alpha)), values);
  return values;
}

/** A logit this far below the others has softmax weight exactly 0 (in float32 and float64): class 0 drops out of the normalisation. */
const EXCLUDED_LOGIT = 1e30;

/** MONAI's focal per element (sigmoid, or softmax over the kept classes: MONAI slices class 0 off before its log_softmax), weighted. */
function focalValues(className: string, o: MonaiFocalOptions, s: Setup): Node {
  const gamma = o.gamma ?? 2;
  let values: Node;
  if (o.useSoftmax) {
    const z = s.keep ? sub(s.pred, mul(sub(1, s.keep), EXCLUDED_LOGIT)) : s.pred;
    const logP = logSoftmax(z);
    // -(1 - p)^gamma log(p) t
    const ce = neg(mul(logP, kept(s.target, s)));
    values = gamma === 0 ? ce : mul(pow(sub(1, exp(logP)), gamma), ce);
    // MONAI ignores alpha when the background is excluded (with a warning)
    if (o.alpha !== undefined && !s.keep) {
      ensure(s.C !== undefined, `${className}: alpha with useSoftmax needs numClasses (1 - alpha on class 0, alpha on the others)`);
      values = mul(constant(Array.from({ length: s.C! }, (_, c) => (c === 0 ? 1 - o.alpha! : o.alpha!))), values);
    }
  } else {
    values = kept(sigmoidFocal(s.pred, s.target, gamma, o.alpha), s);
  }
  const weight = classWeight(o.weight, s, false);
  return weight ? mul(values, weight) : values;
}

/** MONAI's focal reductions: 'sum' is the sum over images and classes of the pixel means. */
const reduceFocal = (values: Node, reduction: 'mean' | 'sum' | 'none', s: Setup): Node =>
  reduction === 'sum' ? sum(mean(values, ['spatial'])) : reduce(values, reduction, s);

/** Picks class k of a per-class tensor as sum_c x_c [c = k]. */
const pickClass = (x: Node, k: number, C: number): Node => sum(mul(x, constant(Array.from({ length: C }, (_, c) => (c === k ? 1 : 0)))), ['class']);

/** The GeneralizedDiceLoss weight: w_type of T, an absent class (T = 0, w = inf in MONAI) given the largest weight of its image (of the batch with batch: true). */
function generalizedWeight(className: string, T: Node, wType: 'square' | 'simple' | 'uniform', C: number | undefined): Node {
  if (wType === 'uniform') return constant(1);
  ensure(C !== undefined, `${className}: w_type '${wType}' needs numClasses (an absent class takes the largest weight of the classes present)`);
  const absent = eq(T, 0);
  const safeT = where(absent, 1, T);
  const w = where(absent, 0, div(1, wType === 'square' ? square(safeT) : safeT));
  const [first, ...rest] = Array.from({ length: C! }, (_, k) => pickClass(w, k, C!));
  const largest = max(first!, ...rest);
  return add(w, mul(absent, largest));
}

/** torch's cross-entropy of DiceCELoss: logits, class-index targets (toOnehotY) or probability targets, class weights, label smoothing. */
function crossEntropyTerm(o: MonaiDiceCEOptions, s: Setup): Node {
  const reduction = o.reduction ?? 'mean';
  const w = o.weight ? constant([...o.weight]) : null;
  const t = s.target;
  if (s.C === 1) {
    // BCEWithLogitsLoss(pos_weight = w): w t softplus(-x) + (1 - t) softplus(x)
    const positive = mul(t, softplus(neg(s.pred)));
    const values = add(w ? mul(w, positive) : positive, mul(sub(1, t), softplus(s.pred)));
    return reduction === 'sum' ? sum(values) : mean(values);
  }
  const logP = logSoftmax(s.pred);
  const eps = o.labelSmoothing ?? 0;
  const C = s.C;
  if (o.toOnehotY) {
    // nll_i = -log p_{y_i}, weighted by w_{y_i}; mean: sum_i w_{y_i} nll_i / sum_i w_{y_i}; smoothing adds eps / C sum_c -w_c log p_c (same divisor)
    const wy = w ? sum(mul(t, w), ['class']) : null;
    const nll = neg(sum(mul(w ? mul(t, w) : t, logP), ['class']));
    const smoothTerm = neg(sum(w ? mul(logP, w) : logP, ['class']));
    const perPixel = eps > 0 ? add(mul(1 - eps, nll), mul(eps / C!, smoothTerm)) : nll;
    if (reduction === 'sum') return sum(perPixel);
    return wy ? div(sum(perPixel), sum(wy)) : mean(perPixel);
  }
  // probability targets: t' = (1 - eps) t + eps / C, loss_i = -sum_c w_c t'_c log p_c, mean over pixels
  const smoothed = eps > 0 ? add(mul(1 - eps, t), C === undefined ? div(eps, size(['class'])) : eps / C) : t;
  const perPixel = neg(sum(mul(w ? mul(smoothed, w) : smoothed, logP), ['class']));
  return reduction === 'sum' ? sum(perPixel) : mean(perPixel);
}

/**
 * MONAI's losses with MONAI's conventions (`monai/losses/dice.py`, `tversky.py`, `focal_loss.py`
 * at Project-MONAI/MONAI d388d1c): no activation unless asked, a score per image and class
 * (`batch: false`), `smoothNr` / `smoothDr`, class weights as mean(w f). DiceCELoss and
 * DiceFocalLoss take logits and are one expression each: the Dice term is built on the activated
 * logits inside it (no weightedSum of a probability loss and a logits loss). See
 * docs/guides/porting.md.
 *
 * @example
 * ```ts
 * import { compat } from '@losskit/core';
 * const loss = compat.monai.DiceCELoss({ softmax: true, toOnehotY: true, numClasses: 3 });
 * ```
 */
export const monai = {
  DiceLoss: (options?: MonaiDiceOptions): Loss => {
    const className = 'monai.DiceLoss';
    const o = check(className, options, DICE);
    const s = setup(className, o, classCount(className, o, false), activated(o) ? 'logits' : 'probability');
    return preset(className, options, diceTerm(className, o, s, classWeight(o.weight, s, false)), s.inputs);
  },
  TverskyLoss: (options?: MonaiTverskyOptions): Loss => {
    const className = 'monai.TverskyLoss';
    const o = check(className, options, [...REGION, 'alpha', 'beta']);
    const s = setup(className, o, o.numClasses, activated(o) ? 'logits' : 'probability');
    const p = kept(activate(className, s.pred, o, s.C), s);
    const t = kept(s.target, s);
    const over = regionRoles(o.batch);
    // hard labels: fp = sum p (1 - t), fn = sum (1 - p) t; soft labels: fp = P - tp, fn = T - tp
    const { tp, P, T } = counts(p, t, over, o.softLabel ?? false, false);
    const fp = o.softLabel ? sub(P, tp) : sum(mul(p, sub(1, t)), over);
    const fn = o.softLabel ? sub(T, tp) : sum(mul(sub(1, p), t), over);
    const denominator = safeDenominator(add(tp, mul(o.alpha ?? 0.5, fp), mul(o.beta ?? 0.5, fn), o.smoothDr ?? 1e-5), s);
    const score = kept(sub(1, div(add(tp, o.smoothNr ?? 1e-5), denominator)), s);
    return preset(className, options, reduce(score, o.reduction ?? 'mean', s), s.inputs);
  },
  GeneralizedDiceLoss: (options?: MonaiGeneralizedDiceOptions): Loss => {
    const className = 'monai.GeneralizedDiceLoss';
    const o = check(className, options, [...REGION, 'wType']);
    const s = setup(className, o, o.numClasses, activated(o) ? 'logits' : 'probability');
    const p = kept(activate(className, s.pred, o, s.C), s);
    const t = kept(s.target, s);
    const { tp, P, T } = counts(p, t, regionRoles(o.batch), o.softLabel ?? false, false);
    const w = generalizedWeight(className, T, o.wType ?? 'square', s.C);
    // 1 - (2 sum_c w_c tp_c + nr) / (sum_c w_c (P_c + T_c) + dr), per image (or once with batch: true)
    const numerator = add(mul(2, sum(mul(tp, w), ['class'])), o.smoothNr ?? 1e-5);
    const denominator = add(sum(mul(add(P, T), w), ['class']), o.smoothDr ?? 1e-5);
    const f = sub(1, div(numerator, denominator));
    const reduction = o.reduction ?? 'mean';
    return preset(className, options, reduction === 'none' ? f : reduction === 'sum' ? sum(f) : mean(f), s.inputs);
  },
  FocalLoss: (options?: MonaiFocalOptions): Loss => {
    const className = 'monai.FocalLoss';
    const o = check(className, options, FOCAL, true);
    const s = setup(className, o, classCount(className, o, false), 'logits');
    return preset(className, options, reduceFocal(focalValues(className, o, s), o.reduction ?? 'mean', s), s.inputs);
  },
  DiceCELoss: (options?: MonaiDiceCEOptions): Loss => {
    const className = 'monai.DiceCELoss';
    const o = check(className, options, [...DICE.filter((k) => k !== 'softLabel'), 'lambdaDice', 'lambdaCe', 'labelSmoothing']);
    ensure(o.weight === undefined || Array.isArray(o.weight), `${className}: weight is one number per class (torch's CrossEntropyLoss weight)`);
    ensure((o.reduction as string | undefined) !== 'none', `${className}: reduction 'none' is not supported (as MONAI: the Dice term reduces the pixels, the cross-entropy does not); use 'mean' or 'sum'`);
    const s = setup(className, o, classCount(className, o, true), 'logits');
    const dice = diceTerm(className, o, s, classWeight(o.weight, s, true));
    const ce = crossEntropyTerm(o, s);
    return preset(className, options, add(mul(o.lambdaDice ?? 1, dice), mul(o.lambdaCe ?? 1, ce)), s.inputs);
  },
  DiceFocalLoss: (options?: MonaiDiceFocalOptions): Loss => {
    const className = 'monai.DiceFocalLoss';
    const o = check(className, options, [...DICE.filter((k) => k !== 'softLabel'), 'gamma', 'alpha', 'lambdaDice', 'lambdaFocal'], true);
    const s = setup(className, o, classCount(className, o, false), 'logits');
    const reduction = o.reduction ?? 'mean';
    const dice = diceTerm(className, o, s, classWeight(o.weight, s, false));
    const focalOptions = { gamma: o.gamma ?? 2, reduction, ...(o.alpha === undefined ? {} : { alpha: o.alpha }), ...(o.weight === undefined ? {} : { weight: o.weight }) };
    const focal = reduceFocal(focalValues(className, focalOptions, s), reduction, s);
    return preset(className, options, add(mul(o.lambdaDice ?? 1, dice), mul(o.lambdaFocal ?? 1, focal)), s.inputs);
  },
} as const;
