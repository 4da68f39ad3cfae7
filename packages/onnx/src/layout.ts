import type { Role, Roles } from '@losskit/core';

/**
 * A physical layout: class axis 1 (NCHW) or last (NHWC).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type LayoutName, toOnnx } from '@losskit/onnx';
 * const layout: LayoutName = 'NHWC';
 * const model = toOnnx(catalogue.dice(), { layout });
 * ```
 */
export type LayoutName = 'NCHW' | 'NHWC';

/**
 * Where each role lives in a physical tensor. Every non-scalar value has the full rank
 * (2 + spatialRank) and keeps size-1 axes for the roles it lacks, so ONNX broadcasting lines
 * roles up by itself; scalars are rank 0.
 *
 * @example
 * ```ts
 * import { type Layout, makeLayout } from '@losskit/onnx';
 * const layout: Layout = makeLayout('NHWC');
 * layout.axes.class; // [3]
 * ```
 */
export interface Layout {
  readonly name: LayoutName;
  readonly spatialRank: number;
  readonly rank: number;
  /** Physical axes of each role (spatial spans spatialRank axes). */
  readonly axes: Readonly<Record<Role, readonly number[]>>;
  /** Symbolic dimension names of each role ('N', 'C', 'H', 'W', …). */
  readonly dimNames: Readonly<Record<Role, readonly string[]>>;
}

const SPATIAL_NAMES: Record<number, readonly string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

/**
 * Where each role lives for a layout and a number of spatial axes.
 *
 * @example
 * ```ts
 * import { makeLayout } from '@losskit/onnx';
 * makeLayout('NCHW', 3).rank; // 5: [N, C, D, H, W]
 * ```
 */
export function makeLayout(name: LayoutName = 'NCHW', spatialRank = 2): Layout {
  if (!Number.isInteger(spatialRank) || spatialRank < 1)
    throw new Error(`spatialRank must be a positive integer (2 for images [N, C, H, W]), got ${spatialRank}`);
  const spatial = Array.from({ length: spatialRank }, (_, i) => (name === 'NCHW' ? 2 + i : 1 + i));
  const axes: Record<Role, number[]> = { batch: [0], class: [name === 'NCHW' ? 1 : 1 + spatialRank], spatial };
  const spatialNames = SPATIAL_NAMES[spatialRank] ?? Array.from({ length: spatialRank }, (_, i) => `S${i}`);
  return {
    name,
    spatialRank,
    rank: 2 + spatialRank,
    axes,
    dimNames: { batch: ['N'], class: ['C'], spatial: spatialNames },
  };
}

/**
 * The physical axes of a set of roles, ascending.
 *
 * @example
 * ```ts
 * import { axesOf, makeLayout } from '@losskit/onnx';
 * axesOf(makeLayout('NCHW'), ['batch', 'spatial']); // [0, 2, 3]
 * ```
 */
export function axesOf(layout: Layout, roles: Roles): number[] {
  return roles.flatMap((r) => layout.axes[r]).sort((a, b) => a - b);
}

/**
 * Physical shape of a value spanning `roles`: [] for a scalar, else full rank with 1 for missing roles.
 *
 * @example
 * ```ts
 * import { makeLayout, physicalShape } from '@losskit/onnx';
 * physicalShape(makeLayout('NCHW'), ['class'], () => 'C'); // [1, 'C', 1, 1]
 * ```
 */
export function physicalShape<T>(layout: Layout, roles: Roles, dimsOf: (role: Role, i: number) => T): (T | 1)[] {
  if (roles.length === 0) return [];
  const shape: (T | 1)[] = Array.from({ length: layout.rank }, () => 1 as const);
  for (const role of roles) layout.axes[role].forEach((axis, i) => {
    shape[axis] = dimsOf(role, i);
  });
  return shape;
}
