/**
 * Axis roles. A tensor in a loss expression is described by which roles it spans, not by
 * raw axis numbers: a prediction spans batch, class and spatial; a per-class Dice score
 * spans class only; a mean loss spans nothing (a scalar). Every tensor in one expression
 * shares the same size per role, so the role set fixes the shape, and a backend maps roles
 * to its own layout (NHWC for tfjs, NCHW for ONNX).
 */
export const ROLES = ['batch', 'class', 'spatial'] as const;
export type Role = (typeof ROLES)[number];
/** A set of roles, always in canonical order (batch, class, spatial). */
export type Roles = readonly Role[];

export const ALL_ROLES: Roles = ROLES;
export const NO_ROLES: Roles = [];

export function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

export function canonicalRoles(roles: Iterable<Role>): Roles {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r));
}

export function unionRoles(...sets: Roles[]): Roles {
  return canonicalRoles(sets.flat());
}

export function minusRoles(a: Roles, b: Roles): Roles {
  return a.filter((r) => !b.includes(r));
}

export function sameRoles(a: Roles, b: Roles): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

export function includesRoles(outer: Roles, inner: Roles): boolean {
  return inner.every((r) => outer.includes(r));
}

export function formatRoles(roles: Roles): string {
  return `[${roles.join(', ')}]`;
}
