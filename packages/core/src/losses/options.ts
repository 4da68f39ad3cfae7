import { lookupName } from '../names.js';

/**
 * One option's accepted values.
 *
 * @example
 * ```ts
 * import { type OptionRule } from '@losskit/core';
 * const gamma: OptionRule = { kind: 'number', min: 0 };
 * ```
 */
export type OptionRule =
  | { readonly kind: 'number'; readonly min?: number; readonly max?: number; readonly above?: number; readonly integer?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'indices' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'weights' }
  | { readonly kind: 'function' }
  | { readonly kind: 'anyOf'; readonly rules: readonly OptionRule[] };

/**
 * The accepted values of each option of one loss.
 *
 * @example
 * ```ts
 * import { type OptionSchema, validateOptions } from '@losskit/core';
 * const schema: OptionSchema = { delta: { kind: 'number', above: 0 } };
 * validateOptions('myLoss', { delta: 0.5 }, schema);
 * ```
 */
export type OptionSchema = Readonly<Record<string, OptionRule>>;

/**
 * An invalid loss option: names the loss, the option and what is accepted.
 *
 * @example
 * ```ts
 * import { OptionError, catalogue } from '@losskit/core';
 * try {
 *   catalogue.focal({ gamma: -1 });
 * } catch (error) {
 *   if (error instanceof OptionError) console.error(error.message);
 * }
 * ```
 */
export class OptionError extends Error {
  override name = 'OptionError';
}

function describeRule(rule: OptionRule): string {
  switch (rule.kind) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'indices':
      return 'an array of distinct integers >= 0';
    case 'enum':
      return rule.values.map((v) => `'${v}'`).join(' | ');
    case 'weights':
      return 'an array of finite numbers >= 0, one per class';
    case 'function':
      return 'a function';
    case 'anyOf':
      return rule.rules.map(describeRule).join(', or ');
    case 'number': {
      const parts = [rule.integer ? 'an integer' : 'a finite number'];
      if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
      if (rule.above !== undefined) parts.push(`> ${rule.above}`);
      if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
      return parts.join(' ');
    }
  }
}

function accepts(rule: OptionRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'indices':
      return Array.isArray(value) && value.every((k) => Number.isInteger(k) && k >= 0) && new Set(value).size === value.length;
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value);
    case 'weights':
      return Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0);
    case 'function':
      return typeof value === 'function';
    case 'anyOf':
      return rule.rules.some((r) => accepts(r, value));
    case 'number':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (!rule.integer || Number.isInteger(value)) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.above === undefined || value > rule.above) &&
        (rule.max === undefined || value <= rule.max)
      );
  }
}

/**
 * Checks a loss's options against its schema: unknown keys and out-of-range values are errors
 * that name the loss, the option, the value given and what would be accepted.
 *
 * @example
 * ```ts
 * import { validateOptions } from '@losskit/core';
 * const options = validateOptions('myLoss', { smooth: 1 }, { smooth: { kind: 'number', min: 0 } });
 * ```
 */
export function validateOptions<T extends object>(loss: string, options: T | undefined, schema: OptionSchema): T {
  const given = (options ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new OptionError(`${loss}: options must be an object, got ${JSON.stringify(options)}`);
  for (const [key, value] of Object.entries(given)) {
    const rule = lookupName(schema, key);
    if (!rule)
      throw new OptionError(`${loss}: unknown option '${key}'; known options: ${Object.keys(schema).sort().join(', ')}`);
    if (value === undefined) continue;
    if (!accepts(rule, value))
      throw new OptionError(`${loss}: option ${key} = ${JSON.stringify(value)} is invalid; expected ${describeRule(rule)}`);
  }
  return given as T;
}

/** Throws an OptionError unless `ok`. */
export function ensure(ok: boolean, message: string): void {
  if (!ok) throw new OptionError(message);
}
