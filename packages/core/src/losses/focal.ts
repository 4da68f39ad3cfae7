import { add, clamp, log, logSoftmax, mul, neg, sigmoid, softmax, sub, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import { classWeightVector } from './class-weights.js';
import { type CrossEntropyOptions, binaryCrossEntropyOf, pick } from './cross-entropy.js';
import { float32Floor } from './float32.js';
import type { Loss } from './loss.js';
import { modulating } from './modulating.js';
import { ensure, validateOptions } from './options.js';
import { type Mode, TARGET_OPTION_RULES, classTarget, prediction } from './prediction.js';
import { COMMON_OPTION_RULES, reducedLoss } from './reduction.js';

/**
 * Options of `focal`.
 *
 * @example
 * ```ts
 * import { focal, type FocalOptions } from '@losskit/core';
 * const options: FocalOptions = { gamma: 2, alpha: 0.25, mode: 'binary' };
 * const loss = focal(options);
 * ```
 */
export interface FocalOptions
  extends Pick<
    CrossEntropyOptions,
    'fromLogits' | 'classWeights' | 'eps' | 'sparse' | 'numClasses' | 'ignoreIndex' | 'mask' | 'reduction' | 'sampleWeights' | 'name'
  > {
  /** 'multiclass' (softmax, default), 'binary' or 'multilabel' (sigmoid per channel). */
  readonly mode?: Mode;
  /** Focusing exponent: the loss of each element is scaled by (1 - p_t)^gamma. Default 2. */
  readonly gamma?: number;
  /** Binary/multilabel: weight alpha on positives and 1 - alpha on negatives. Multiclass: a global scale. */
  readonly alpha?: number;
}

/**
 * Focal loss (Lin et al. 2017). Binary form from logits z: ce = softplus(z) - t z and
 * 1 - p_t = t sigmoid(-z) + (1-t) sigmoid(z), both exact at |z| = 100 (no 1 - exp(-ce)
 * cancellation). Multiclass: -sum_c t_c (1 - p_c)^gamma log p_c with log p = logSoftmax(z).
 *
 * @example
 * ```ts
 * import { focal } from '@losskit/core';
 * const loss = focal({ gamma: 2 }); // multiclass, from logits
 * ```
 */
export function focal(options?: FocalOptions): Loss {
  const o = validateOptions('focal', options, {
    ...TARGET_OPTION_RULES,
    gamma: { kind: 'number', min: 0 },
    alpha: { kind: 'number', min: 0, max: 1 },
    classWeights: { kind: 'weights' },
    eps: { kind: 'number', above: 0, max: 0.5 },
    ...COMMON_OPTION_RULES,
  });
  const mode = o.mode ?? 'multiclass';
  const fromLogits = o.fromLogits ?? true;
  const gamma = o.gamma ?? 2;
  const eps = o.eps ?? 1e-7;
  ensure(o.alpha === undefined || mode !== 'multiclass' || o.alpha > 0, 'focal: alpha = 0 zeroes a multiclass focal loss');
  const { numClasses } = pick(o);
  const { pred, spec } = prediction({ mode, fromLogits, numClasses });
  const target = classTarget({ loss: 'focal', mode, sparse: o.sparse ?? false, ...pick(o) });
  const t = target.target;
  const classWeights = classWeightVector('focal', { ...o, numClasses });
  let values: Node;
  if (mode === 'multiclass') {
    const p = fromLogits ? softmax(pred) : clamp(pred, float32Floor(eps), 1);
    const logP = fromLogits ? logSoftmax(pred) : log(p);
    const factor = modulating(sub(1, p), gamma, eps);
    const perClass = neg(mul(t, factor ? mul(factor, logP) : logP));
    values = sum(classWeights ? mul(perClass, classWeights) : perClass, ['class']);
    if (o.alpha !== undefined) values = mul(o.alpha, values);
  } else {
    const oneMinusPt = fromLogits
      ? add(mul(t, sigmoid(neg(pred))), mul(sub(1, t), sigmoid(pred)))
      : add(mul(t, sub(1, pred)), mul(sub(1, t), pred));
    const ce = binaryCrossEntropyOf(pred, t, fromLogits, eps);
    const factor = modulating(oneMinusPt, gamma, eps);
    values = factor ? mul(factor, ce) : ce;
    if (o.alpha !== undefined) values = mul(add(mul(o.alpha, t), mul(1 - o.alpha, sub(1, t))), values);
    if (classWeights) values = mul(values, classWeights);
  }
  return reducedLoss('focal', o, values, target.valid, { pred: spec, ...target.inputs });
}
