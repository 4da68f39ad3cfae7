import { abs, add, input, le, mul, softplus, square, sub, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import type { Loss } from './loss.js';
import { type OptionSchema, validateOptions } from './options.js';
import { COMMON_OPTION_RULES, type CommonOptions, type Reduction, reducedLoss } from './reduction.js';

/**
 * Options of the regression losses.
 *
 * @example
 * ```ts
 * import { l2, type RegressionOptions } from '@losskit/core';
 * const options: RegressionOptions = { reduction: 'sum' };
 * const loss = l2(options);
 * ```
 */
export interface RegressionOptions extends CommonOptions {
  /** 'mean' over every element (default), 'sum', 'sum_over_batch_size', or 'none': per element. */
  readonly reduction?: Reduction;
}
/**
 * Options of `huber`.
 *
 * @example
 * ```ts
 * import { huber, type HuberOptions } from '@losskit/core';
 * const options: HuberOptions = { delta: 0.5 };
 * const loss = huber(options);
 * ```
 */
export interface HuberOptions extends RegressionOptions {
  /** Where the quadratic part meets the linear part (default 1, as in Keras and PyTorch). */
  readonly delta?: number;
}

const SCHEMA: OptionSchema = { ...COMMON_OPTION_RULES };

/** A pointwise loss of d = pred - target, both real tensors over every role. */
function pointwise(name: string, options: RegressionOptions | undefined, perElement: (d: Node) => Node): Loss {
  const pred = input('pred');
  const target = input('target');
  const values = perElement(sub(pred, target));
  return reducedLoss(name, options ?? {}, values, null, {
    pred: { roles: pred.roles, domain: 'real' },
    target: { roles: target.roles, domain: 'real' },
  });
}

/**
 * L1 / MAE: |pred - target|.
 *
 * @example
 * ```ts
 * import { l1 } from '@losskit/core';
 * const loss = l1(); // inputs 'pred' and 'target', real values
 * ```
 */
export function l1(options?: RegressionOptions): Loss {
  validateOptions('l1', options, SCHEMA);
  return pointwise('l1', options, abs);
}

/**
 * L2 / MSE: (pred - target)^2.
 *
 * @example
 * ```ts
 * import { l2 } from '@losskit/core';
 * const loss = l2(); // inputs 'pred' and 'target', real values
 * ```
 */
export function l2(options?: RegressionOptions): Loss {
  validateOptions('l2', options, SCHEMA);
  return pointwise('l2', options, square);
}

/**
 * Huber: d^2/2 for |d| <= delta, delta (|d| - delta/2) beyond.
 *
 * @example
 * ```ts
 * import { huber } from '@losskit/core';
 * const loss = huber({ delta: 1 }); // inputs 'pred' and 'target', real values
 * ```
 */
export function huber(options?: HuberOptions): Loss {
  validateOptions('huber', options, { ...SCHEMA, delta: { kind: 'number', above: 0 } });
  const delta = options?.delta ?? 1;
  return pointwise('huber', options, (d) =>
    where(le(abs(d), delta), mul(0.5, square(d)), mul(delta, sub(abs(d), 0.5 * delta))),
  );
}

/**
 * log cosh d, computed as d + softplus(-2d) - log 2 so it never overflows.
 *
 * @example
 * ```ts
 * import { input, logCoshOf, sub } from '@losskit/core';
 * const perElement = logCoshOf(sub(input('pred'), input('target')));
 * ```
 */
export function logCoshOf(d: Node): Node {
  return sub(add(d, softplus(mul(-2, d))), Math.LN2);
}

/**
 * log-cosh: log(cosh(pred - target)).
 *
 * @example
 * ```ts
 * import { logCosh } from '@losskit/core';
 * const loss = logCosh(); // inputs 'pred' and 'target', real values
 * ```
 */
export function logCosh(options?: RegressionOptions): Loss {
  validateOptions('logCosh', options, SCHEMA);
  return pointwise('logCosh', options, logCoshOf);
}
