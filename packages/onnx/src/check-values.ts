import { InputError, checkFiniteData, checkNumbers } from '@losskit/core';
import type { LossRunInputs } from './session.js';

/**
 * Checks the values of one run before it is fed: tensor data and state hold numbers only, params
 * are numbers, and (unless `checkFinite` is false) nothing is NaN or ±Inf. ONNX Runtime computes
 * on whatever it is given (a −Inf logit gives a finite Dice), so the check has to happen here;
 * it is core's check, with core's `InputError` and the same opt-out as `evaluate` and tfjs.
 *
 * @example
 * ```ts
 * import { checkRunValues } from '@losskit/onnx';
 * checkRunValues({ prediction: { shape: [1, 1, 1, 2], data: [0, Number.NEGATIVE_INFINITY] } }, true); // throws InputError
 * ```
 */
export function checkRunValues(given: LossRunInputs, checkFinite: boolean): void {
  const tensor = (what: string, value: unknown) => {
    if (typeof value === 'number') {
      if (checkFinite) checkFiniteData(what, [value]);
      return;
    }
    if (typeof value !== 'object' || value === null || !('data' in value)) return; // buildFeeds names the shape problem
    const { data, shape } = value as { data: unknown; shape?: unknown };
    checkNumbers(what, data);
    if (checkFinite) checkFiniteData(what, data, Array.isArray(shape) ? shape : undefined);
  };
  if (given.prediction !== undefined) tensor("input 'pred'", given.prediction);
  if (given.target !== undefined) tensor("input 'target'", given.target);
  for (const [name, value] of Object.entries(given.inputs ?? {})) tensor(`input '${name}'`, value);
  for (const [name, value] of Object.entries(given.params ?? {})) {
    if (typeof value !== 'number') throw new InputError(`param '${name}' must be a number, got ${value === null ? 'null' : typeof value}`);
    if (checkFinite) checkFiniteData(`param '${name}'`, [value]);
  }
  for (const [name, data] of Object.entries(given.state ?? {})) {
    checkNumbers(`state '${name}'`, data);
    if (checkFinite) checkFiniteData(`state '${name}'`, data);
  }
}
