import { type Expr, add, clamp, div, ge, mul, param, sub } from '../builders.js';
import type { Node } from '../ir/node.js';
import { OptionError } from './options.js';

/**
 * A ramp from `from` to `to` as a param (default `epoch`) goes from `start` to `end`.
 *
 * @example
 * ```ts
 * import { linearSchedule, type RampOptions } from '@losskit/core';
 * const warmup: RampOptions = { from: 0, to: 1, end: 5 };
 * const weight = linearSchedule(warmup);
 * ```
 */
export interface RampOptions {
  /** The param the schedule reads (default 'epoch', default value 0). */
  readonly param?: string;
  /** Value at and before `start`. */
  readonly from: number;
  /** Value at and after `end`. */
  readonly to: number;
  readonly start?: number;
  readonly end: number;
}

function progress(name: string, o: RampOptions): Node {
  const start = o.start ?? 0;
  if (!(o.end > start)) throw new OptionError(`${name}: end (${o.end}) must be after start (${start})`);
  for (const [key, v] of Object.entries({ from: o.from, to: o.to, start, end: o.end }))
    if (!Number.isFinite(v)) throw new OptionError(`${name}: ${key} must be a finite number, got ${v}`);
  const t = param(o.param ?? 'epoch', { default: 0 });
  // u = clamp((t - start) / (end - start), 0, 1)
  return clamp(div(sub(t, start), o.end - start), 0, 1);
}

/**
 * from + (to - from) u, u the clamped progress through [start, end].
 *
 * @example
 * ```ts
 * import { evaluateScalar, linearSchedule } from '@losskit/core';
 * const w = linearSchedule({ from: 1, to: 0, end: 10 });
 * evaluateScalar(w, { params: { epoch: 5 } }); // 0.5
 * ```
 */
export function linearSchedule(o: RampOptions): Node {
  return add(o.from, mul(o.to - o.from, progress('linearSchedule', o)));
}

/**
 * Odd Taylor coefficients of sin x up to x^15: on |x| <= pi/2 the truncation error is below
 * (pi/2)^17 / 17! < 7e-12, so the cosine schedule below matches its closed form to 1e-11.
 */
const SIN_COEFFICIENTS = [1, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800, -1 / 1307674368000];

/**
 * sin x for |x| <= pi/2 as a polynomial (the IR has no trigonometric ops).
 *
 * @example
 * ```ts
 * import { evaluateScalar, sinHalfPeriod } from '@losskit/core';
 * evaluateScalar(sinHalfPeriod(Math.PI / 6)); // 0.5 (to ~1e-11)
 * ```
 */
export function sinHalfPeriod(x: Expr): Node {
  const x2 = mul(x, x);
  let acc: Node | number = SIN_COEFFICIENTS[SIN_COEFFICIENTS.length - 1]!;
  for (let k = SIN_COEFFICIENTS.length - 2; k >= 0; k--) acc = add(SIN_COEFFICIENTS[k]!, mul(x2, acc));
  return mul(x, acc);
}

/**
 * Cosine annealing: from + (to - from) (1 - cos(pi u)) / 2, written as
 * from + (to - from) (1 + sin(pi (u - 1/2))) / 2 with the polynomial sine above.
 *
 * @example
 * ```ts
 * import { cosineSchedule, evaluateScalar } from '@losskit/core';
 * const w = cosineSchedule({ from: 0, to: 1, end: 20 });
 * evaluateScalar(w, { params: { epoch: 10 } }); // 0.5
 * ```
 */
export function cosineSchedule(o: RampOptions): Node {
  const u = progress('cosineSchedule', o);
  const s = sinHalfPeriod(mul(Math.PI, sub(u, 0.5)));
  return add(o.from, mul((o.to - o.from) / 2, add(1, s)));
}

/**
 * A piecewise-constant schedule: `values[i]` from `milestones[i - 1]` on.
 *
 * @example
 * ```ts
 * import { stepSchedule, type StepOptions } from '@losskit/core';
 * const steps: StepOptions = { values: [1, 0.1, 0.01], milestones: [10, 20] };
 * const weight = stepSchedule(steps);
 * ```
 */
export interface StepOptions {
  readonly param?: string;
  /** values[0] before milestones[0], values[i] from milestones[i-1] on. */
  readonly values: readonly number[];
  /** Increasing param values where the schedule steps (PyTorch MultiStepLR style). */
  readonly milestones: readonly number[];
}

/**
 * Piecewise constant: values[0] + sum_i (values[i+1] - values[i]) [t >= milestones[i]].
 *
 * @example
 * ```ts
 * import { evaluateScalar, stepSchedule } from '@losskit/core';
 * const lr = stepSchedule({ values: [1, 0.1], milestones: [30] });
 * evaluateScalar(lr, { params: { epoch: 31 } }); // 0.1
 * ```
 */
export function stepSchedule(o: StepOptions): Node {
  if (o.values.length !== o.milestones.length + 1)
    throw new OptionError(
      `stepSchedule: ${o.milestones.length} milestones need ${o.milestones.length + 1} values, got ${o.values.length}`,
    );
  if (!o.milestones.every((m, i) => Number.isFinite(m) && (i === 0 || m > o.milestones[i - 1]!)))
    throw new OptionError(`stepSchedule: milestones must be finite and increasing, got [${o.milestones.join(', ')}]`);
  if (!o.values.every(Number.isFinite)) throw new OptionError(`stepSchedule: values must be finite, got [${o.values.join(', ')}]`);
  const t = param(o.param ?? 'epoch', { default: 0 });
  return add(o.values[0]!, ...o.milestones.map((m, i) => mul(o.values[i + 1]! - o.values[i]!, ge(t, m))));
}
