import type { Role, RoleSizes, Roles } from '@losskit/core';

/**
 * Physical layouts. NHWC (the tfjs convention): batch axis 0, spatial axes 1..k, class last.
 * NCHW: batch 0, class 1, spatial 2..k+1. k is the number of spatial axes (0 for [N, C] data).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { compile, type Layout } from '@losskit/tfjs';
 * const layout: Layout = 'NCHW';
 * const loss = compile(catalogue.dice(), { layout });
 * ```
 */
export type Layout = 'NHWC' | 'NCHW';

/**
 * Where each role lives in a full-rank tensor of one layout with k spatial axes.
 *
 * @example
 * ```ts
 * import { type AxisMap, shapeFor } from '@losskit/tfjs';
 * const map: AxisMap = { layout: 'NHWC', rank: 4, spatialDims: [8, 8], sizes: { batch: 2, class: 3, spatial: 64 } };
 * shapeFor(map, ['class']); // [1, 1, 1, 3]
 * ```
 */
export interface AxisMap {
  readonly layout: Layout;
  /** 2 + k: every non-scalar value is held at this rank, size 1 along roles it does not span. */
  readonly rank: number;
  readonly spatialDims: readonly number[];
  readonly sizes: RoleSizes;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/**
 * The physical axes of one role.
 *
 * @example
 * ```ts
 * import { roleAxes } from '@losskit/tfjs';
 * roleAxes({ layout: 'NHWC', rank: 4, spatialDims: [8, 8], sizes: { batch: 2, class: 3, spatial: 64 } }, 'spatial'); // [1, 2]
 * ```
 */
export function roleAxes(map: AxisMap, role: Role): number[] {
  const k = map.spatialDims.length;
  if (role === 'batch') return [0];
  if (map.layout === 'NHWC') return role === 'class' ? [k + 1] : range(1, k);
  return role === 'class' ? [1] : range(2, k);
}

/**
 * The physical axes of several roles, ascending.
 *
 * @example
 * ```ts
 * import { axesOf } from '@losskit/tfjs';
 * axesOf({ layout: 'NCHW', rank: 4, spatialDims: [8, 8], sizes: { batch: 2, class: 3, spatial: 64 } }, ['batch', 'spatial']); // [0, 2, 3]
 * ```
 */
export function axesOf(map: AxisMap, roles: Roles): number[] {
  return roles.flatMap((r) => roleAxes(map, r)).sort((a, b) => a - b);
}

/** The logical size along each physical axis. */
export function logicalShape(map: AxisMap): number[] {
  const shape = new Array<number>(map.rank).fill(1);
  shape[roleAxes(map, 'batch')[0]!] = map.sizes.batch;
  shape[roleAxes(map, 'class')[0]!] = map.sizes.class;
  roleAxes(map, 'spatial').forEach((axis, i) => {
    shape[axis] = map.spatialDims[i]!;
  });
  return shape;
}

/**
 * The full-rank shape of a value spanning `roles` (size 1 elsewhere); [] for a scalar.
 *
 * @example
 * ```ts
 * import { shapeFor } from '@losskit/tfjs';
 * shapeFor({ layout: 'NHWC', rank: 4, spatialDims: [8, 8], sizes: { batch: 2, class: 3, spatial: 64 } }, ['batch', 'spatial']); // [2, 8, 8, 1]
 * ```
 */
export function shapeFor(map: AxisMap, roles: Roles): number[] {
  if (roles.length === 0) return [];
  const full = logicalShape(map);
  const kept = new Set(axesOf(map, roles));
  return full.map((n, axis) => (kept.has(axis) ? n : 1));
}

export function axisRole(map: AxisMap, axis: number): Role {
  return (['batch', 'class', 'spatial'] as const).find((r) => roleAxes(map, r).includes(axis))!;
}
