import { abs, add, constant, div, eq, exp, gt, log, logSoftmax, max, min, mul, neg, pow, softplus, sub, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { InputSpec, Loss } from '../losses/loss.js';
import { lovaszHinge, lovaszSoftmax } from '../losses/lovasz.js';
import { mcc } from '../losses/mcc.js';
import { ensure, validateOptions } from '../losses/options.js';
import { type Mode, classTarget, prediction } from '../losses/prediction.js';
import { jsonCopy, reducedLoss } from '../losses/reduction.js';

/** The loss carrying the preset's own name and options as its config. */
const preset = (className: string, options: object | undefined, loss: Loss): Loss =>
  Object.freeze({ ...loss, config: Object.freeze({ className, config: jsonCopy(options ?? {}) }) });

/**
 * Options of the segmentation_models.pytorch region losses (DiceLoss, JaccardLoss, TverskyLoss),
 * with smp's names and defaults. Multiclass and binary targets are integer labels 'labels'
 * [batch, spatial] (binary: 0/1), multilabel a dense 0/1 'target'.
 *
 * @example
 * ```ts
 * import { compat, type SmpRegionOptions } from '@losskit/core';
 * const options: SmpRegionOptions = { numClasses: 3, smooth: 1, ignoreIndex: 255 };
 * const loss = compat.smp.DiceLoss('multiclass', options);
 * ```
 */
export interface SmpRegionOptions {
  /** Needed in multiclass and multilabel mode (smp reads it from y_pred). */
  readonly numClasses?: number;
  readonly classes?: readonly number[];
  readonly logLoss?: boolean;
  /** Default true. */
  readonly fromLogits?: boolean;
  /** smp's smooth s: score (I + s) / max(I + alpha FP + beta FN + s, eps). Default 0. */
  readonly smooth?: number;
  readonly ignoreIndex?: number;
  /** Default 1e-7. */
  readonly eps?: number;
  readonly classWeights?: readonly number[];
  readonly name?: string;
}

/** TverskyLoss options: the region options plus alpha, beta and gamma (the exponent on the class mean). */
export interface SmpTverskyOptions extends SmpRegionOptions {
  readonly alpha?: number;
  readonly beta?: number;
  readonly gamma?: number;
}

const REGION_SCHEMA = {
  numClasses: { kind: 'number', integer: true, min: 1 },
  classes: { kind: 'indices' },
  logLoss: { kind: 'boolean' },
  fromLogits: { kind: 'boolean' },
  smooth: { kind: 'number', min: 0 },
  ignoreIndex: { kind: 'number', integer: true },
  eps: { kind: 'number', above: 0 },
  classWeights: { kind: 'weights' },
  name: { kind: 'string' },
  alpha: { kind: 'number', min: 0 },
  beta: { kind: 'number', min: 0 },
  gamma: { kind: 'number', above: 0 },
} as const;

/** The smp target: labels for multiclass and binary, a dense 0/1 tensor for multilabel. */
function smpTarget(loss: string, mode: Mode, numClasses: number | undefined, ignoreIndex: number | undefined) {
  ensure(mode !== 'multilabel' || ignoreIndex === undefined, `${loss}: ignoreIndex with a dense multilabel target is not supported; pass a 0/1 target`);
  ensure(mode !== 'multiclass' || numClasses !== undefined, `${loss}: multiclass mode needs numClasses`);
  return classTarget({ loss, mode, sparse: mode !== 'multilabel', numClasses, ignoreIndex });
}

function region(className: string, mode: Mode, options: SmpTverskyOptions | undefined, alpha: number, beta: number, gamma: number): Loss {
  const o = validateOptions(className, options, REGION_SCHEMA);
  ensure(mode !== 'binary' || (o.classes === undefined && o.classWeights === undefined), `${className}: classes and classWeights are not supported in binary mode (as smp)`);
  const numClasses = mode === 'binary' ? 1 : (o.numClasses ?? o.classWeights?.length);
  const { probs, spec } = prediction({ mode, fromLogits: o.fromLogits ?? true, numClasses });
  const target = smpTarget(className, mode, numClasses, o.ignoreIndex);
  const p = target.valid ? mul(probs, target.valid) : probs;
  const t = target.valid ? mul(target.target, target.valid) : target.target;
  const over = ['batch', 'spatial'] as const;
  const predicted = sum(p, over);
  const actual = sum(t, over);
  // smp: I = (P + T - |p - t|_1) / 2 (sum p t for 0/1 targets)
  const intersection = div(sub(add(predicted, actual), sum(abs(sub(p, t)), over)), 2);
  const smooth = o.smooth ?? 0;
  const eps = o.eps ?? 1e-7;
  const denominator = add(intersection, mul(alpha, sub(predicted, intersection)), mul(beta, sub(actual, intersection)), smooth);
  const score = div(add(intersection, smooth), max(denominator, eps));
  const perClass = o.logLoss ? neg(log(max(score, eps))) : sub(1, score);
  // smp: a class without target pixels has loss 0 (it still counts in the class mean)
  const present = mul(perClass, gt(actual, 0));
  const n = numClasses ?? 1;
  const weights = Array.from({ length: n }, (_, k) => (o.classes && !o.classes.includes(k) ? 0 : (o.classWeights?.[k] ?? 1)));
  ensure(o.classes === undefined || o.classes.every((k) => k < n), `${className}: classes must be < numClasses (${n})`);
  const total = weights.reduce((a, b) => a + b, 0);
  ensure(total > 0, `${className}: every class weight is 0`);
  const mean = div(sum(mul(present, constant(weights.length === 1 ? weights[0]! : weights))), total);
  const expr = gamma === 1 ? mean : pow(mean, gamma);
  return preset(className, options, reducedLoss(className, { name: o.name ?? className, reduction: 'none' }, expr, null, { pred: spec, ...target.inputs }));
}

/** smp focal options. */
export interface SmpFocalOptions {
  readonly numClasses?: number;
  readonly alpha?: number;
  /** Default 2. */
  readonly gamma?: number;
  readonly ignoreIndex?: number;
  readonly fromLogits?: boolean;
  readonly eps?: number;
  readonly reduction?: 'mean' | 'sum';
  readonly classWeights?: readonly number[];
  readonly name?: string;
}

/**
 * smp's losses with smp's conventions: `DiceLoss`, `JaccardLoss`, `TverskyLoss`, `FocalLoss`,
 * `MCCLoss`, `SoftBCEWithLogitsLoss`, `SoftCrossEntropyLoss`. See docs/guides/porting.md.
 *
 * @example
 * ```ts
 * import { compat } from '@losskit/core';
 * const loss = compat.smp.DiceLoss('multiclass', { numClasses: 4 });
 * ```
 */
export const smp = {
  DiceLoss: (mode: Mode, options?: SmpRegionOptions): Loss => region('smp.DiceLoss', mode, options, 0.5, 0.5, 1),
  JaccardLoss: (mode: Mode, options?: SmpRegionOptions): Loss => region('smp.JaccardLoss', mode, options, 1, 1, 1),
  TverskyLoss: (mode: Mode, options?: SmpTverskyOptions): Loss =>
    region('smp.TverskyLoss', mode, options, options?.alpha ?? 0.5, options?.beta ?? 0.5, options?.gamma ?? 1),
  /** Sigmoid focal loss per element (multiclass: one-vs-rest on the one-hot labels), mean over valid pixels and classes. */
  FocalLoss: (mode: Mode, options?: SmpFocalOptions): Loss => {
    const o = validateOptions('smp.FocalLoss', options, {
      numClasses: REGION_SCHEMA.numClasses,
      alpha: { kind: 'number', min: 0, max: 1 },
      gamma: { kind: 'number', min: 0 },
      ignoreIndex: REGION_SCHEMA.ignoreIndex,
      fromLogits: REGION_SCHEMA.fromLogits,
      eps: { kind: 'number', above: 0, max: 0.5 },
      reduction: { kind: 'enum', values: ['mean', 'sum'] },
      classWeights: REGION_SCHEMA.classWeights,
      name: REGION_SCHEMA.name,
    });
    const numClasses = mode === 'binary' ? 1 : (o.numClasses ?? o.classWeights?.length);
    const { pred, spec } = prediction({ mode, fromLogits: true, numClasses });
    const target = smpTarget('smp.FocalLoss', mode, numClasses, o.ignoreIndex);
    const t = target.target;
    // from probabilities smp clamps to [eps, 1 - eps] and takes the logit log(p / (1 - p))
    const eps = o.eps ?? 1e-7;
    const z = o.fromLogits === false ? log(div(max(pred, eps), sub(1, min(pred, 1 - eps)))) : pred;
    const ce = sub(softplus(z), mul(t, z));
    const pt = neg(ce);
    const focalTerm = (o.gamma ?? 2) === 0 ? null : pow(sub(1, exp(pt)), o.gamma ?? 2);
    let values: Node = focalTerm ? mul(focalTerm, ce) : ce;
    if (o.alpha !== undefined) values = mul(values, add(mul(o.alpha, t), mul(1 - o.alpha, sub(1, t))));
    const classWeights = o.classWeights ? constant([...o.classWeights]) : null;
    const weights = target.valid && classWeights ? mul(target.valid, classWeights) : (target.valid ?? classWeights);
    const reduction = o.reduction === 'sum' ? 'sum' : 'mean';
    // 'sum' in multiclass / multilabel: the mean over classes of the per-class sums
    const C = numClasses ?? 1;
    const summed = reduction === 'sum' && mode !== 'binary';
    const scale = summed ? (o.classWeights ? o.classWeights.reduce((a, b) => a + b, 0) : C) : 1;
    const loss = reducedLoss('smp.FocalLoss', { reduction, name: o.name ?? 'smp.FocalLoss' }, scale === 1 ? values : div(values, scale), weights, {
      pred: { ...spec, domain: o.fromLogits === false ? 'probability' : 'logits' },
      ...target.inputs,
    });
    return preset('smp.FocalLoss', options, loss);
  },
  /**
   * smp's LovaszLoss: multiclass is Lovász-softmax on softmax(pred) over integer labels (classes
   * present in the target), binary the Lovász hinge on the logits and 0/1 labels, multilabel the
   * hinge with every channel's pixels pooled into one set. smp applies softmax whatever
   * `from_logits` says, and so does the preset (the option is accepted, as smp's, and has no effect).
   */
  LovaszLoss: (mode: Mode, options?: { perImage?: boolean; ignoreIndex?: number; fromLogits?: boolean; numClasses?: number; name?: string }): Loss => {
    const o = validateOptions('smp.LovaszLoss', options, {
      perImage: { kind: 'boolean' },
      ignoreIndex: REGION_SCHEMA.ignoreIndex,
      fromLogits: REGION_SCHEMA.fromLogits,
      numClasses: REGION_SCHEMA.numClasses,
      name: REGION_SCHEMA.name,
    });
    ensure(['binary', 'multiclass', 'multilabel'].includes(mode), `smp.LovaszLoss: mode must be 'binary', 'multiclass' or 'multilabel', got ${JSON.stringify(mode)}`);
    ensure(mode !== 'multiclass' || o.numClasses !== undefined, 'smp.LovaszLoss: multiclass mode needs numClasses');
    ensure(mode !== 'multilabel' || o.ignoreIndex === undefined, 'smp.LovaszLoss: ignoreIndex with a dense multilabel target is not supported; pass a 0/1 target');
    const common = { perImage: o.perImage ?? false, name: o.name ?? 'smp.LovaszLoss', ...(o.ignoreIndex === undefined ? {} : { ignoreIndex: o.ignoreIndex }) };
    const loss =
      mode === 'multiclass'
        ? lovaszSoftmax({ ...common, sparse: true, numClasses: o.numClasses! })
        : lovaszHinge({ ...common, mode, sparse: mode === 'binary' });
    return preset('smp.LovaszLoss', options, loss);
  },
  /** smp's MCCLoss: probabilities (no activation), binary, counts pooled over the batch, eps 1e-5. */
  MCCLoss: (options?: { eps?: number; name?: string }): Loss => {
    const o = validateOptions('smp.MCCLoss', options, { eps: { kind: 'number', above: 0 }, name: REGION_SCHEMA.name });
    return preset('smp.MCCLoss', options, mcc({ mode: 'binary', fromLogits: false, eps: o.eps ?? 1e-5, name: o.name ?? 'smp.MCCLoss' }));
  },
  /**
   * BCE from logits with smp's smooth_factor s (target (1 - t) s + t (1 - s)); pixels whose target
   * equals ignoreIndex give 0 but still count in the mean (as smp).
   */
  SoftBCEWithLogitsLoss: (options?: { smoothFactor?: number; ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none'; name?: string }): Loss => {
    const o = validateOptions('smp.SoftBCEWithLogitsLoss', options, {
      smoothFactor: { kind: 'number', min: 0, max: 1 },
      ignoreIndex: REGION_SCHEMA.ignoreIndex,
      reduction: { kind: 'enum', values: ['mean', 'sum', 'none'] },
      name: REGION_SCHEMA.name,
    });
    const { pred, spec } = prediction({ mode: 'multilabel', fromLogits: true });
    const target = classTarget({ loss: 'smp.SoftBCEWithLogitsLoss', mode: 'multilabel', sparse: false });
    const raw = target.target;
    const s = o.smoothFactor ?? 0;
    const t = s > 0 ? add(mul(sub(1, raw), s), mul(raw, 1 - s)) : raw;
    let values: Node = sub(softplus(pred), mul(t, pred));
    const inputs: Record<string, InputSpec> = { pred: spec, ...target.inputs };
    if (o.ignoreIndex !== undefined) {
      values = mul(values, sub(1, eq(raw, o.ignoreIndex)));
      inputs.target = { roles: raw.roles, domain: 'labels', numClasses: 2, ignoreIndex: o.ignoreIndex };
    }
    return preset('smp.SoftBCEWithLogitsLoss', options, reducedLoss('smp.SoftBCEWithLogitsLoss', { reduction: o.reduction ?? 'mean', name: o.name ?? 'smp.SoftBCEWithLogitsLoss' }, values, null, inputs));
  },
  /**
   * Label-smoothed cross-entropy from logits and labels: (1 - s) nll + (s / C) sum_c -log p_c per
   * pixel; ignored pixels give 0 but count in the mean (as smp).
   */
  SoftCrossEntropyLoss: (options: { numClasses: number; smoothFactor?: number; ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none'; name?: string }): Loss => {
    const o = validateOptions('smp.SoftCrossEntropyLoss', options, {
      numClasses: REGION_SCHEMA.numClasses,
      smoothFactor: { kind: 'number', min: 0, max: 1 },
      ignoreIndex: REGION_SCHEMA.ignoreIndex,
      reduction: { kind: 'enum', values: ['mean', 'sum', 'none'] },
      name: REGION_SCHEMA.name,
    });
    ensure(o?.numClasses !== undefined, 'smp.SoftCrossEntropyLoss: numClasses is needed');
    const { pred, spec } = prediction({ mode: 'multiclass', fromLogits: true, numClasses: o.numClasses });
    const target = classTarget({ loss: 'smp.SoftCrossEntropyLoss', mode: 'multiclass', sparse: true, numClasses: o.numClasses, ignoreIndex: o.ignoreIndex });
    const logP = logSoftmax(pred);
    const s = o.smoothFactor ?? 0;
    const nll = neg(sum(mul(target.target, logP), ['class']));
    const smoothTerm = neg(sum(logP, ['class']));
    let values: Node = s > 0 ? add(mul(1 - s, nll), mul(s / o.numClasses, smoothTerm)) : nll;
    if (target.valid) values = mul(values, target.valid);
    return preset('smp.SoftCrossEntropyLoss', options, reducedLoss('smp.SoftCrossEntropyLoss', { reduction: o.reduction ?? 'mean', name: o.name ?? 'smp.SoftCrossEntropyLoss' }, values, null, {
      pred: spec,
      ...target.inputs,
    }));
  },
} as const;
