import { add, constant, div, gt, log, max, mul, neg, square, stopGradient, sub, sum, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { Role } from '../ir/roles.js';
import { classWeightVector } from './class-weights.js';
import { pick } from './cross-entropy.js';
import type { Loss } from './loss.js';
import { modulating } from './modulating.js';
import { type OptionSchema, ensure, validateOptions } from './options.js';
import { type Mode, TARGET_OPTION_RULES, classTarget, prediction } from './prediction.js';
import { logCoshOf } from './regression.js';
import { COMMON_OPTION_RULES, type CommonOptions, type Reduction, reducedLoss } from './reduction.js';

/**
 * Options of the overlap losses (Dice, Jaccard, generalized Dice, log-cosh Dice).
 *
 * @example
 * ```ts
 * import { dice, type OverlapOptions } from '@losskit/core';
 * const options: OverlapOptions = { sparse: true, numClasses: 3, includeBackground: false, perImage: true };
 * const loss = dice(options);
 * ```
 */
export interface OverlapOptions extends CommonOptions {
  /** 'multiclass' (softmax, default), 'binary' (one sigmoid channel) or 'multilabel' (sigmoid per class). */
  readonly mode?: Mode;
  /** pred holds logits (default) or probabilities. */
  readonly fromLogits?: boolean;
  readonly sparse?: boolean;
  readonly numClasses?: number;
  readonly ignoreIndex?: number;
  readonly mask?: boolean;
  /**
   * Added to numerator and denominator (default 1e-5, as MONAI). It fixes the empty-mask policy:
   * a class empty in both prediction and target scores 1, so its loss is 0.
   */
  readonly smooth?: number;
  /** Floor of every denominator (default 1e-7, as smp), so smooth = 0 never divides by 0. */
  readonly eps?: number;
  readonly classWeights?: readonly number[];
  /** false: class 0 is left out of the class average (weight 0). Needs numClasses. */
  readonly includeBackground?: boolean;
  /** true: a score per image and class, averaged; false (default): one score per class over the whole batch. */
  readonly perImage?: boolean;
  /** 'mean' (weighted over classes, and images when perImage), 'sum', or 'none': per class ([batch, class] when perImage). */
  readonly reduction?: Reduction;
  /** Only these class indices count (weight 0 on the others, as smp's `classes`). Needs numClasses. */
  readonly classes?: readonly number[];
  /** Dice, Jaccard, Tversky: the loss is -log(max(score, eps)) instead of 1 - score (smp's `log_loss`). */
  readonly logLoss?: boolean;
}

/**
 * Options of `tversky`: overlap options plus the false-positive and false-negative weights.
 *
 * @example
 * ```ts
 * import { tversky, type TverskyOptions } from '@losskit/core';
 * const options: TverskyOptions = { alpha: 0.3, beta: 0.7 };
 * const loss = tversky(options);
 * ```
 */
export interface TverskyOptions extends OverlapOptions {
  /** Weight of false positives (default 0.5; alpha = beta = 0.5 is Dice). */
  readonly alpha?: number;
  /** Weight of false negatives (default 0.5). */
  readonly beta?: number;
}

/**
 * Options of `focalTversky`: Tversky options plus the focusing exponent.
 *
 * @example
 * ```ts
 * import { focalTversky, type FocalTverskyOptions } from '@losskit/core';
 * const options: FocalTverskyOptions = { alpha: 0.3, beta: 0.7, gamma: 0.75 };
 * const loss = focalTversky(options);
 * ```
 */
export interface FocalTverskyOptions extends TverskyOptions {
  /** Exponent on (1 - Tversky index): default 0.75 (Abraham and Khan 2019, 1/gamma with gamma = 4/3). */
  readonly gamma?: number;
}

const SCHEMA: OptionSchema = {
  ...TARGET_OPTION_RULES,
  smooth: { kind: 'number', min: 0 },
  eps: { kind: 'number', above: 0 },
  classWeights: { kind: 'weights' },
  includeBackground: { kind: 'boolean' },
  perImage: { kind: 'boolean' },
  classes: { kind: 'indices' },
  logLoss: { kind: 'boolean' },
  ...COMMON_OPTION_RULES,
};

/** Soft confusion counts per class (and per image when perImage): I = sum p t, P = sum p, T = sum t. */
interface Counts {
  readonly intersection: Node;
  readonly predicted: Node;
  readonly actual: Node;
  readonly smooth: number;
  readonly eps: number;
  readonly classWeights: Node | null;
  /** The validated options (reduction, sample weights, name, config). */
  readonly options: OverlapOptions;
  readonly inputs: Loss['inputs'];
}

function counts(name: string, o: OverlapOptions): Counts {
  const mode = o.mode ?? 'multiclass';
  const { numClasses } = pick(o);
  ensure(!(mode === 'binary' && o.includeBackground === false), `${name}: binary mode has no background channel to exclude`);
  const { probs, spec } = prediction({ mode, fromLogits: o.fromLogits ?? true, numClasses });
  const target = classTarget({ loss: name, mode, sparse: o.sparse ?? false, ...pick(o) });
  const p = target.valid ? mul(probs, target.valid) : probs;
  const t = target.valid ? mul(target.target, target.valid) : target.target;
  const over: Role[] = o.perImage ? ['spatial'] : ['batch', 'spatial'];
  return {
    intersection: sum(mul(p, t), over),
    predicted: sum(p, over),
    actual: sum(t, over),
    smooth: o.smooth ?? 1e-5,
    eps: o.eps ?? 1e-7,
    classWeights: selectClasses(name, classWeightVector(name, { ...o, numClasses }), o.classes, numClasses),
    options: o,
    inputs: { pred: spec, ...target.inputs },
  };
}

/** The class weights times a 0/1 selection of `classes` (null = every class). */
function selectClasses(name: string, weights: Node | null, classes: readonly number[] | undefined, numClasses: number | undefined): Node | null {
  if (!classes) return weights;
  ensure(numClasses !== undefined, `${name}: classes needs numClasses (or classWeights) to know the class count`);
  const n = numClasses!;
  const outside = classes.find((k) => k >= n);
  ensure(outside === undefined, `${name}: classes lists ${outside}, but the class indices are 0..${n - 1}`);
  ensure(classes.length > 0, `${name}: classes is empty, so the loss would be empty`);
  const selection = constant(Array.from({ length: n }, (_, k) => (classes.includes(k) ? 1 : 0)));
  return weights ? mul(weights, selection) : selection;
}

/** 1 - score, or -log(max(score, eps)) with logLoss. */
const lossOfScore = (c: Counts, score: Node): Node => (c.options.logLoss ? neg(log(max(score, c.eps))) : sub(1, score));

/** (num + smooth) / max(den + smooth, eps) */
const ratio = (c: Counts, num: Node, den: Node): Node => div(add(num, c.smooth), max(add(den, c.smooth), c.eps));

/** Averages (or sums) a per-class loss with the class weights. */
function overClasses(name: string, c: Counts, perClass: Node): Loss {
  return reducedLoss(name, c.options, perClass, c.classWeights, c.inputs);
}

/**
 * Soft Dice loss: 1 - (2 I + s) / (P + T + s) per class.
 *
 * @example
 * ```ts
 * import { dice } from '@losskit/core';
 * const loss = dice({ smooth: 1 });
 * ```
 */
export function dice(options?: OverlapOptions): Loss {
  const c = counts('dice', validateOptions('dice', options, SCHEMA));
  return overClasses('dice', c, lossOfScore(c, ratio(c, mul(2, c.intersection), add(c.predicted, c.actual))));
}

/**
 * Soft Jaccard / IoU loss: 1 - (I + s) / (P + T - I + s) per class.
 *
 * @example
 * ```ts
 * import { jaccard } from '@losskit/core';
 * const loss = jaccard();
 * ```
 */
export function jaccard(options?: OverlapOptions): Loss {
  const c = counts('jaccard', validateOptions('jaccard', options, SCHEMA));
  return overClasses('jaccard', c, lossOfScore(c, ratio(c, c.intersection, sub(add(c.predicted, c.actual), c.intersection))));
}

const TVERSKY_SCHEMA: OptionSchema = {
  ...SCHEMA,
  alpha: { kind: 'number', min: 0 },
  beta: { kind: 'number', min: 0 },
};

/** Tversky index (I + s) / (I + alpha FP + beta FN + s), FP = P - I, FN = T - I. */
function tverskyIndex(c: Counts, alpha: number, beta: number): Node {
  const falsePositive = sub(c.predicted, c.intersection);
  const falseNegative = sub(c.actual, c.intersection);
  return ratio(c, c.intersection, add(c.intersection, mul(alpha, falsePositive), mul(beta, falseNegative)));
}

/**
 * Tversky loss: 1 - Tversky index per class.
 *
 * @example
 * ```ts
 * import { tversky } from '@losskit/core';
 * const loss = tversky({ alpha: 0.3, beta: 0.7 });
 * ```
 */
export function tversky(options?: TverskyOptions): Loss {
  const o = validateOptions('tversky', options, TVERSKY_SCHEMA);
  ensure((o.alpha ?? 0.5) + (o.beta ?? 0.5) > 0, 'tversky: alpha + beta must be > 0');
  const c = counts('tversky', o);
  return overClasses('tversky', c, lossOfScore(c, tverskyIndex(c, o.alpha ?? 0.5, o.beta ?? 0.5)));
}

/**
 * Focal Tversky loss: (1 - Tversky index)^gamma per class.
 *
 * @example
 * ```ts
 * import { focalTversky } from '@losskit/core';
 * const loss = focalTversky({ gamma: 0.75 });
 * ```
 */
export function focalTversky(options?: FocalTverskyOptions): Loss {
  const o = validateOptions('focalTversky', options, { ...TVERSKY_SCHEMA, gamma: { kind: 'number', above: 0 } });
  ensure((o.alpha ?? 0.5) + (o.beta ?? 0.5) > 0, 'focalTversky: alpha + beta must be > 0');
  const c = counts('focalTversky', o);
  const base = sub(1, tverskyIndex(c, o.alpha ?? 0.5, o.beta ?? 0.5));
  return overClasses('focalTversky', c, modulating(base, o.gamma ?? 0.75, c.eps) ?? base);
}

/**
 * log(cosh(Dice loss)) per class (Jadon 2020), computed without overflow.
 *
 * @example
 * ```ts
 * import { logCoshDice } from '@losskit/core';
 * const loss = logCoshDice();
 * ```
 */
export function logCoshDice(options?: OverlapOptions): Loss {
  const c = counts('logCoshDice', validateOptions('logCoshDice', options, SCHEMA));
  return overClasses('logCoshDice', c, logCoshOf(sub(1, ratio(c, mul(2, c.intersection), add(c.predicted, c.actual)))));
}

/**
 * The smallest eps of generalizedDice: eps^2 = 2^-126 is the smallest normal float32, so the
 * weight 1 / max(T, eps)^2 stays finite on float32 backends (a smaller eps^2 is subnormal and
 * flushes to 0 on some, and 1/0 = inf).
 */
export const GENERALIZED_DICE_MIN_EPS = 2 ** -63;

/**
 * Generalized Dice (Sudre et al. 2017): 1 - (2 sum_c w_c I_c + s) / (sum_c w_c (P_c + T_c) + s),
 * w_c = 1 / T_c^2 for classes present in the target and 0 for absent ones (their weight would be
 * infinite), times any class weights. The weights are constants of the target: no gradient.
 * An absent class's weight is selected away (where), never multiplied by 0, so no 0 * inf arises
 * whatever eps is; eps must be at least GENERALIZED_DICE_MIN_EPS. reduction 'none' gives one
 * value per image when perImage, else the scalar.
 *
 * @example
 * ```ts
 * import { generalizedDice } from '@losskit/core';
 * const loss = generalizedDice({ sparse: true, numClasses: 4 });
 * ```
 */
export function generalizedDice(options?: OverlapOptions): Loss {
  const schema = { ...SCHEMA, eps: { kind: 'number', min: GENERALIZED_DICE_MIN_EPS } } as const;
  const c = counts('generalizedDice', validateOptions('generalizedDice', options, schema));
  const inverseSquare = where(gt(c.actual, 0), div(1, square(max(c.actual, c.eps))), 0);
  const w = stopGradient(c.classWeights ? mul(inverseSquare, c.classWeights) : inverseSquare);
  const numerator = mul(2, sum(mul(w, c.intersection), ['class']));
  const denominator = sum(mul(w, add(c.predicted, c.actual)), ['class']);
  const perImage = sub(1, ratio(c, numerator, denominator));
  return reducedLoss('generalizedDice', c.options, perImage, null, c.inputs);
}
