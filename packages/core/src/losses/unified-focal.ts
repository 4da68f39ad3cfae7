import { add, clamp, constant, div, input, log, logSoftmax, mul, neg, softmax, sub, sum } from '../builders.js';
import type { Node } from '../ir/node.js';
import { pick } from './cross-entropy.js';
import { probabilityBounds } from './float32.js';
import { type Loss, makeLoss, mergeInputs } from './loss.js';
import { modulating } from './modulating.js';
import { type OptionSchema, ensure, validateOptions } from './options.js';
import { TARGET_OPTION_RULES, classTarget } from './prediction.js';
import { COMMON_OPTION_RULES, type CommonOptions, jsonCopy, reducedLoss } from './reduction.js';

/**
 * Options of the unified focal family (Yeung et al. 2022): `asymmetricFocal`,
 * `asymmetricFocalTversky` and `unifiedFocal`. Class 0 is the background (suppressed), classes
 * 1..C-1 the rare foreground (enhanced); the authors' code is the binary case C = 2.
 *
 * @example
 * ```ts
 * import { unifiedFocal, type UnifiedFocalOptions } from '@losskit/core';
 * const options: UnifiedFocalOptions = { weight: 0.5, delta: 0.6, gamma: 0.5 };
 * const loss = unifiedFocal(options);
 * ```
 */
export interface UnifiedFocalOptions extends CommonOptions {
  /** pred holds logits (default; softmax over classes) or probabilities (clipped to [eps, 1 - eps], as the authors). */
  readonly fromLogits?: boolean;
  readonly sparse?: boolean;
  /** The class count (default 2: background and foreground, as the authors' binary code). */
  readonly numClasses?: number;
  readonly ignoreIndex?: number;
  readonly mask?: boolean;
  /** Weight of the foreground: focal 1 - delta on the background, delta on the rest; Tversky delta on FN, 1 - delta on FP. */
  readonly delta?: number;
  /** Focal exponent: (1 - p)^gamma on the background CE, (1 - TI)^(1 - gamma) on the foreground Tversky terms. */
  readonly gamma?: number;
  /** Probability clip (default 1e-7, Keras's epsilon) when fromLogits is false. */
  readonly eps?: number;
  /** Added to the Tversky numerator and denominator (default 1e-7: the authors' code adds K.epsilon(); its `smooth` argument is unused). */
  readonly smooth?: number;
  /** unifiedFocal only: lambda, the Tversky term's weight; the focal term gets 1 - lambda (default 0.5). */
  readonly weight?: number;
}

const SCHEMA: OptionSchema = {
  fromLogits: TARGET_OPTION_RULES.fromLogits,
  sparse: TARGET_OPTION_RULES.sparse,
  numClasses: { kind: 'number', integer: true, min: 2 },
  ignoreIndex: TARGET_OPTION_RULES.ignoreIndex,
  mask: TARGET_OPTION_RULES.mask,
  delta: { kind: 'number', min: 0, max: 1 },
  // the foreground Tversky exponent 1 - gamma must stay >= 0
  gamma: { kind: 'number', min: 0, max: 1 },
  eps: { kind: 'number', above: 0, max: 0.5 },
  smooth: { kind: 'number', above: 0 },
  weight: { kind: 'number', min: 0, max: 1 },
  ...COMMON_OPTION_RULES,
};

/** The focal term alone takes any gamma >= 0 ((1 - p_0)^gamma); the authors' default is 2. */
const FOCAL_SCHEMA: OptionSchema = { ...SCHEMA, gamma: { kind: 'number', min: 0 } };

/** Class 0 against the rest, as per-class constants: background = [1, 0, ..., 0]. */
const backgroundVector = (n: number): Node => constant(Array.from({ length: n }, (_, c) => (c === 0 ? 1 : 0)));

interface Parts {
  readonly probs: Node;
  readonly logProbs: Node;
  readonly target: Node;
  readonly valid: Node | null;
  readonly numClasses: number;
  readonly inputs: Loss['inputs'];
}

function parts(name: string, o: UnifiedFocalOptions): Parts {
  const fromLogits = o.fromLogits ?? true;
  const numClasses = o.numClasses ?? 2;
  const pred = input('pred');
  const [lo, hi] = probabilityBounds(o.eps ?? 1e-7);
  const probs = fromLogits ? softmax(pred) : clamp(pred, lo, hi);
  const logProbs = fromLogits ? logSoftmax(pred) : log(probs);
  const target = classTarget({ loss: name, mode: 'multiclass', sparse: o.sparse ?? false, ...pick({ ...o, numClasses }) });
  const spec = { roles: pred.roles, domain: fromLogits ? 'logits' : 'probability', numClasses } as const;
  return { probs, logProbs, target: target.target, valid: target.valid, numClasses, inputs: { pred: spec, ...target.inputs } };
}

/**
 * Asymmetric focal loss (Yeung et al. 2022, eq. 15): per pixel
 * -(1 - delta) (1 - p_0)^gamma t_0 log p_0 - delta sum_{c>0} t_c log p_c, averaged over the pixels:
 * only the background's easy pixels are down-weighted. Defaults delta 0.7, gamma 2 (the authors' code).
 *
 * @example
 * ```ts
 * import { asymmetricFocal } from '@losskit/core';
 * const loss = asymmetricFocal({ delta: 0.7, gamma: 2 }); // pred [N, 2, H, W] logits, one-hot target
 * ```
 */
export function asymmetricFocal(options?: UnifiedFocalOptions): Loss {
  const o = validateOptions('asymmetricFocal', options, FOCAL_SCHEMA);
  return reducedLoss('asymmetricFocal', o, ...asymmetricFocalTerm('asymmetricFocal', o, 0.7, 2));
}

function asymmetricFocalTerm(name: string, o: UnifiedFocalOptions, delta0: number, gamma0: number): [Node, Node | null, Loss['inputs']] {
  ensure(o.weight === undefined || name === 'unifiedFocal', `${name}: weight is an option of unifiedFocal only`);
  const p = parts(name, o);
  const delta = o.delta ?? delta0;
  const gamma = o.gamma ?? gamma0;
  const background = backgroundVector(p.numClasses);
  const ce = neg(mul(p.target, p.logProbs));
  const factor = modulating(sub(1, p.probs), gamma, o.eps ?? 1e-7);
  // weight per class: (1 - delta) (1 - p_0)^gamma on class 0, delta on the others
  const backgroundWeight = mul(1 - delta, factor ?? 1);
  const weight = add(mul(background, backgroundWeight), mul(sub(1, background), delta));
  return [sum(mul(weight, ce), ['class']), p.valid, p.inputs];
}

/**
 * Asymmetric focal Tversky loss (Yeung et al. 2022, eq. 16): per image and class the Tversky
 * index TI = (TP + s) / (TP + delta FN + (1 - delta) FP + s), and the loss is 1 - TI on the
 * background, (1 - TI)^(1 - gamma) on each foreground class, averaged over images and classes.
 * Defaults delta 0.7, gamma 0.75 (the authors' code).
 *
 * @example
 * ```ts
 * import { asymmetricFocalTversky } from '@losskit/core';
 * const loss = asymmetricFocalTversky({ delta: 0.7, gamma: 0.75 });
 * ```
 */
export function asymmetricFocalTversky(options?: UnifiedFocalOptions): Loss {
  const o = validateOptions('asymmetricFocalTversky', options, SCHEMA);
  return reducedLoss('asymmetricFocalTversky', o, ...asymmetricFocalTverskyTerm('asymmetricFocalTversky', o, 0.7, 0.75));
}

function asymmetricFocalTverskyTerm(name: string, o: UnifiedFocalOptions, delta0: number, gamma0: number): [Node, null, Loss['inputs']] {
  ensure(o.weight === undefined || name === 'unifiedFocal', `${name}: weight is an option of unifiedFocal only`);
  const p = parts(name, o);
  const delta = o.delta ?? delta0;
  const gamma = o.gamma ?? gamma0;
  const smooth = o.smooth ?? 1e-7;
  const masked = (x: Node) => (p.valid ? mul(x, p.valid) : x);
  const over = ['spatial'] as const;
  const tp = sum(masked(mul(p.probs, p.target)), over);
  const fn = sum(masked(mul(sub(1, p.probs), p.target)), over);
  const fp = sum(masked(mul(p.probs, sub(1, p.target))), over);
  const tversky = div(add(tp, smooth), add(tp, mul(delta, fn), mul(1 - delta, fp), smooth));
  const oneMinus = sub(1, tversky);
  const enhanced = modulating(oneMinus, 1 - gamma, o.eps ?? 1e-7) ?? constant(1);
  const background = backgroundVector(p.numClasses);
  return [add(mul(background, oneMinus), mul(sub(1, background), enhanced)), null, p.inputs];
}

/**
 * Unified focal loss, asymmetric form (Yeung et al. 2022, eq. 17):
 * lambda AFTL + (1 - lambda) AFL with one delta and gamma for both terms (defaults lambda 0.5,
 * delta 0.6, gamma 0.5, as the authors' `asym_unified_focal_loss`). Reductions must give a scalar.
 *
 * @example
 * ```ts
 * import { unifiedFocal } from '@losskit/core';
 * const loss = unifiedFocal({ sparse: true, numClasses: 3 }); // labels [N, H, W]
 * ```
 */
export function unifiedFocal(options?: UnifiedFocalOptions): Loss {
  const o = validateOptions('unifiedFocal', options, SCHEMA);
  ensure(o.reduction !== 'none', "unifiedFocal: reduction 'none' has no single shape (Tversky is per image and class, focal per pixel); use the two terms");
  const weight = o.weight ?? 0.5;
  const inner = { ...o, delta: o.delta ?? 0.6, gamma: o.gamma ?? 0.5 };
  const tversky = reducedLoss('asymmetricFocalTversky', inner, ...asymmetricFocalTverskyTerm('unifiedFocal', inner, 0.6, 0.5));
  const focalTerm = reducedLoss('asymmetricFocal', inner, ...asymmetricFocalTerm('unifiedFocal', inner, 0.6, 0.5));
  const expr = add(mul(weight, tversky.expr), mul(1 - weight, focalTerm.expr));
  return makeLoss(o.name ?? 'unifiedFocal', expr, mergeInputs([tversky, focalTerm]), { className: 'unifiedFocal', config: jsonCopy(o) });
}
