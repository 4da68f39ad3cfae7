import { add, div, mul, sqrt, sub, sum } from '../builders.js';
import type { Role } from '../ir/roles.js';
import { classWeightVector } from './class-weights.js';
import { pick } from './cross-entropy.js';
import type { Loss } from './loss.js';
import { type OptionSchema, validateOptions } from './options.js';
import { type Mode, TARGET_OPTION_RULES, classTarget, prediction } from './prediction.js';
import { COMMON_OPTION_RULES, type CommonOptions, reducedLoss } from './reduction.js';

/**
 * Options of `mcc`.
 *
 * @example
 * ```ts
 * import { mcc, type MccOptions } from '@losskit/core';
 * const options: MccOptions = { mode: 'binary', fromLogits: false };
 * const loss = mcc(options);
 * ```
 */
export interface MccOptions extends CommonOptions {
  /** 'binary' (default, one sigmoid channel), 'multilabel' (sigmoid per class) or 'multiclass' (softmax, one class against the rest). */
  readonly mode?: Mode;
  /** pred holds logits (default) or probabilities. */
  readonly fromLogits?: boolean;
  readonly sparse?: boolean;
  readonly numClasses?: number;
  readonly ignoreIndex?: number;
  readonly mask?: boolean;
  /** Added to each of TP, TN, FP, FN (default 1e-5, as smp), so a constant prediction scores 0, not 0/0. */
  readonly eps?: number;
  readonly classWeights?: readonly number[];
  /** true: a score per image and class; false (default): per class over the whole batch. */
  readonly perImage?: boolean;
}

const SCHEMA: OptionSchema = {
  ...TARGET_OPTION_RULES,
  eps: { kind: 'number', above: 0 },
  classWeights: { kind: 'weights' },
  perImage: { kind: 'boolean' },
  ...COMMON_OPTION_RULES,
};

/**
 * Matthews correlation coefficient loss (Abhishek and Hamarneh 2021): 1 - MCC per class with
 * soft counts TP = sum p t, TN = sum (1-p)(1-t), FP = sum p (1-t), FN = sum (1-p) t (each + eps),
 * MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)). Each count is summed directly
 * (TN is not N - TP - FP - FN, which would cancel for large N).
 *
 * @example
 * ```ts
 * import { mcc } from '@losskit/core';
 * const loss = mcc(); // binary, pred = logits [N,1,H,W], target 0/1
 * ```
 */
export function mcc(options?: MccOptions): Loss {
  const o = validateOptions('mcc', options, SCHEMA);
  const mode = o.mode ?? 'binary';
  const { numClasses } = pick(o);
  const { probs, spec } = prediction({ mode, fromLogits: o.fromLogits ?? true, numClasses });
  const target = classTarget({ loss: 'mcc', mode, sparse: o.sparse ?? false, ...pick(o) });
  const eps = o.eps ?? 1e-5;
  const over: Role[] = o.perImage ? ['spatial'] : ['batch', 'spatial'];
  const valid = target.valid;
  const masked = (x: ReturnType<typeof sub>) => (valid ? mul(x, valid) : x);
  const p = probs;
  const t = target.target;
  const count = (x: ReturnType<typeof sub>) => add(sum(masked(x), over), eps);
  const tp = count(mul(p, t));
  const tn = count(mul(sub(1, p), sub(1, t)));
  const fp = count(mul(p, sub(1, t)));
  const fn = count(mul(sub(1, p), t));
  const numerator = sub(mul(tp, tn), mul(fp, fn));
  const denominator = sqrt(mul(mul(add(tp, fp), add(tp, fn)), mul(add(tn, fp), add(tn, fn))));
  const perClass = sub(1, div(numerator, denominator));
  return reducedLoss('mcc', o, perClass, classWeightVector('mcc', { ...o, numClasses }), { pred: spec, ...target.inputs });
}
