/**
 * Axis roles. A tensor in a loss expression is described by which roles it spans, not by
 * raw axis numbers: a prediction spans batch, class and spatial; a per-class Dice score
 * spans class only; a mean loss spans nothing (a scalar). Every tensor in one expression
 * shares the same size per role, so the role set fixes the shape, and a backend maps roles
 * to its own layout (NHWC for tfjs, NCHW for ONNX).
 *
 * @example
 * ```ts
 * import { ROLES } from '@losskit/core';
 * ROLES; // ['batch', 'class', 'spatial']
 * ```
 */
export const ROLES = ['batch', 'class', 'spatial'] as const;
/**
 * An axis role: batch, class or spatial.
 *
 * @example
 * ```ts
 * import { type Role } from '@losskit/core';
 * const role: Role = 'class';
 * ```
 */
export type Role = (typeof ROLES)[number];
/**
 * A set of roles, always in canonical order (batch, class, spatial).
 *
 * @example
 * ```ts
 * import { type Roles, input } from '@losskit/core';
 * const roles: Roles = input('labels', ['batch', 'spatial']).roles;
 * ```
 */
export type Roles = readonly Role[];

/**
 * Every role, in canonical order (the roles of a full tensor).
 *
 * @example
 * ```ts
 * import { ALL_ROLES, input, sameRoles } from '@losskit/core';
 * sameRoles(input('pred').roles, ALL_ROLES); // true
 * ```
 */
export const ALL_ROLES: Roles = ROLES;
/**
 * The roles of a scalar: none.
 *
 * @example
 * ```ts
 * import { NO_ROLES } from '@losskit/core';
 * NO_ROLES.length; // 0
 * ```
 */
export const NO_ROLES: Roles = [];

/**
 * Whether a name is a role.
 *
 * @example
 * ```ts
 * import { isRole } from '@losskit/core';
 * isRole('spatial'); // true
 * isRole('channel'); // false
 * ```
 */
export function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

/**
 * Roles without repeats, in canonical order (batch, class, spatial).
 *
 * @example
 * ```ts
 * import { canonicalRoles } from '@losskit/core';
 * canonicalRoles(['spatial', 'batch', 'spatial']); // ['batch', 'spatial']
 * ```
 */
export function canonicalRoles(roles: Iterable<Role>): Roles {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r));
}

/**
 * The roles of a broadcast result: every role any operand spans.
 *
 * @example
 * ```ts
 * import { unionRoles } from '@losskit/core';
 * unionRoles(['batch'], ['class']); // ['batch', 'class']
 * ```
 */
export function unionRoles(...sets: Roles[]): Roles {
  return canonicalRoles(sets.flat());
}

/**
 * Roles of `a` not in `b` (what a reduction over `b` leaves).
 *
 * @example
 * ```ts
 * import { minusRoles } from '@losskit/core';
 * minusRoles(['batch', 'class', 'spatial'], ['batch', 'spatial']); // ['class']
 * ```
 */
export function minusRoles(a: Roles, b: Roles): Roles {
  return a.filter((r) => !b.includes(r));
}

/**
 * Whether two role sets are equal.
 *
 * @example
 * ```ts
 * import { sameRoles } from '@losskit/core';
 * sameRoles(['batch', 'class'], ['batch', 'class']); // true
 * ```
 */
export function sameRoles(a: Roles, b: Roles): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * Whether `outer` spans every role of `inner`.
 *
 * @example
 * ```ts
 * import { includesRoles } from '@losskit/core';
 * includesRoles(['batch', 'class', 'spatial'], ['class']); // true
 * ```
 */
export function includesRoles(outer: Roles, inner: Roles): boolean {
  return inner.every((r) => outer.includes(r));
}

/**
 * Roles as text for messages: `[batch, spatial]`, `scalar` for none.
 *
 * @example
 * ```ts
 * import { formatRoles } from '@losskit/core';
 * formatRoles(['batch', 'spatial']);
 * ```
 */
export function formatRoles(roles: Roles): string {
  return `[${roles.join(', ')}]`;
}
