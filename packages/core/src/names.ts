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

/**
 * A plain object (Object.prototype, so it compares equal to a literal) holding `entries` as own
 * properties: defined, not assigned, so a key `__proto__` is stored like any other. For records
 * handed to users; read them back with `lookupName`.
 *
 * @example
 * ```ts
 * import { ownRecord } from '@losskit/core';
 * const params = ownRecord([['A', 0.25], ['__proto__', 1]]);
 * Object.keys(params); // ['A', '__proto__']
 * ```
 */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}
