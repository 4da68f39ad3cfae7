/**
 * `table[name]` when `name` is the table's own property, else undefined: a user's name such as
 * `toString`, `constructor` or `__proto__` never reads `Object.prototype`.
 *
 * @example
 * ```ts
 * import { lookupName } from '@losskit/core';
 * lookupName({ A: 0.5 }, 'A'); // 0.5
 * lookupName({ A: 0.5 }, 'toString'); // undefined, not Object.prototype.toString
 * ```
 */
export function lookupName<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table !== undefined && table !== null && Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * An empty record without a prototype, for tables keyed by user names: `record['__proto__'] = x`
 * stores `x` like any other key, and no key is inherited.
 *
 * @example
 * ```ts
 * import { nameRecord } from '@losskit/core';
 * const values = nameRecord<number>();
 * values['__proto__'] = 1;
 * Object.keys(values); // ['__proto__']
 * ```
 */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
