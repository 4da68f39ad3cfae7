import type { TensorValue } from '../evaluate.js';
import { lookupName } from '../names.js';
import { InputError } from '../evaluate.js';
import type { InputDomain, InputSpec, Loss } from './loss.js';

/** Element checks per domain: what a valid value is, in words, and the test. */
const ELEMENT_RULES: Record<Exclude<InputDomain, 'onehot'>, { what: string; ok: (x: number) => boolean }> = {
  logits: { what: 'a finite real', ok: Number.isFinite },
  real: { what: 'a finite real', ok: Number.isFinite },
  probability: { what: 'a probability in [0, 1] (pass fromLogits: true for logits)', ok: (x) => x >= 0 && x <= 1 },
  binary: { what: '0 or 1', ok: (x) => x === 0 || x === 1 },
  mask: { what: '0 or 1', ok: (x) => x === 0 || x === 1 },
  positive: { what: 'a finite number > 0', ok: (x) => Number.isFinite(x) && x > 0 },
  weight: { what: 'a finite weight >= 0', ok: (x) => Number.isFinite(x) && x >= 0 },
  labels: { what: 'an integer class index', ok: Number.isInteger },
};

type Values = { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/**
 * Checks data against each input's domain before a loss runs, with errors that name the input,
 * the flat index, the value and what was expected: NaN/Inf anywhere, probabilities outside
 * [0, 1], labels that are not integers in [0, numClasses) (or the ignore index), one-hot rows
 * that do not sum to 1, class axes of the wrong size, missing inputs.
 *
 * @example
 * ```ts
 * import { catalogue, validateInputs } from '@losskit/core';
 * const loss = catalogue.categoricalCrossEntropy();
 * validateInputs(loss, {
 *   pred: { shape: [1, 2, 1, 1], data: [0.5, -0.5] },
 *   target: { shape: [1, 2, 1, 1], data: [1, 0] },
 * }); // throws InputError when the target is not one-hot
 * ```
 */
export function validateInputs(loss: Pick<Loss, 'name' | 'inputs'>, inputs: Readonly<Record<string, TensorValue>>): void {
  for (const [name, spec] of Object.entries(loss.inputs)) {
    const value = lookupName(inputs, name);
    if (value === undefined) throw new InputError(`${loss.name}: missing input '${name}' (${spec.domain})`);
    if (typeof value === 'number') {
      checkElements(loss.name, name, spec, Float64Array.of(value));
      continue;
    }
    const values = 'roles' in value ? { shape: [value.data.length], data: value.data } : (value as Values);
    const classAxis = spec.roles.indexOf('class');
    if (!('roles' in value) && classAxis >= 0 && spec.numClasses !== undefined && values.shape[classAxis] !== spec.numClasses)
      throw new InputError(
        `${loss.name}: input '${name}' has ${values.shape[classAxis]} classes (shape [${values.shape.join(', ')}], axis ${classAxis}) but the loss was built for ${spec.numClasses}`,
      );
    checkElements(loss.name, name, spec, values.data);
    if (spec.domain === 'onehot' && !('roles' in value)) checkOneHot(loss.name, name, spec, values);
  }
}

function checkElements(lossName: string, name: string, spec: InputSpec, data: ArrayLike<number>): void {
  const rule = ELEMENT_RULES[spec.domain === 'onehot' ? 'binary' : spec.domain];
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (!Number.isFinite(x) || !rule.ok(x))
      throw new InputError(`${lossName}: input '${name}' has ${x} at flat index ${i}; expected ${rule.what}`);
    if (spec.domain === 'labels' && spec.numClasses !== undefined && x !== spec.ignoreIndex && (x < 0 || x >= spec.numClasses))
      throw new InputError(
        `${lossName}: input '${name}' has label ${x} at flat index ${i}; expected 0..${spec.numClasses - 1}` +
          (spec.ignoreIndex === undefined ? '' : ` or the ignore index ${spec.ignoreIndex}`),
      );
  }
}

/** Every (batch, spatial) position has exactly one 1 along the class axis. */
function checkOneHot(lossName: string, name: string, spec: InputSpec, values: Values): void {
  const classAxis = spec.roles.indexOf('class');
  const before = values.shape.slice(0, classAxis).reduce((a, b) => a * b, 1);
  const classes = values.shape[classAxis] ?? 1;
  const after = values.shape.slice(classAxis + 1).reduce((a, b) => a * b, 1);
  for (let b = 0; b < before; b++)
    for (let s = 0; s < after; s++) {
      let total = 0;
      for (let c = 0; c < classes; c++) total += values.data[(b * classes + c) * after + s]!;
      if (total !== 1)
        throw new InputError(
          `${lossName}: input '${name}' is not one-hot at batch ${b}, spatial ${s}: its class values sum to ${total}, expected 1`,
        );
    }
}
