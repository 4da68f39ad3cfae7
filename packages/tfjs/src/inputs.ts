import { InputError, type Node, type Role, type RoleDims, type RoleSizes, agreeRoleSizes, checkDims, formatRoles, lookupName } from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FiniteCheck } from './finite-check.js';
import { toFloat32 } from './float32.js';
import { type AxisMap, type Layout, axisRole, roleAxes } from './layout.js';

/**
 * A value for one input: a tensor in the compiled layout (or a number for a scalar input).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { type InputValue } from '@losskit/tfjs';
 * const pred: InputValue = tf.zeros([1, 8, 8, 3]); // NHWC
 * const temperature: InputValue = 2; // a scalar input
 * ```
 */
export type InputValue = tf.Tensor | number;

/** Inputs that do not fit a compiled loss: core's `InputError`, the one class every backend throws for bad data. */
export { InputError };

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** The expected shape of an input, as text: full rank with 1 on roles it lacks, or compact. */
function expectedShapes(roles: readonly Role[], layout: Layout, k: number): string {
  const names: Record<Role, string[]> = { batch: ['N'], class: ['C'], spatial: k === 2 ? ['H', 'W'] : Array.from({ length: k }, (_, i) => `S${i}`) };
  const order: Role[] = layout === 'NHWC' ? ['batch', 'spatial', 'class'] : ['batch', 'class', 'spatial'];
  const full = order.flatMap((r) => (roles.includes(r) ? names[r] : r === 'spatial' ? names[r].map(() => '1') : ['1']));
  const compact = order.flatMap((r) => (roles.includes(r) ? names[r] : []));
  return full.join(',') === compact.join(',') ? `[${full.join(',')}]` : `[${full.join(',')}] or [${compact.join(',')}]`;
}

export interface PreparedInputs {
  readonly axes: AxisMap;
  /** Each input at full rank, float32. */
  readonly tensors: Map<string, tf.Tensor>;
}

/**
 * Checks the given inputs against the expression's input leaves and brings each to full rank in
 * the layout (size 1 along the roles it lacks), float32. Role sizes come from the shapes and must
 * agree between inputs. `labels` of roles [batch, spatial] may come as [N,H,W] or [N,H,W,1].
 */
export function prepareInputs(
  leaves: ReadonlyMap<string, Node>,
  given: Readonly<Record<string, InputValue>>,
  layout: Layout,
  options: {
    differentiable: ReadonlySet<string>;
    /** The NaN/Inf check for this call (none: not checked). */
    finite?: FiniteCheck;
    /** The input whose shape fixes the layout's rank (the prediction). */
    reference?: string;
    describeName?: (name: string) => string;
  },
): PreparedInputs {
  const label = options.describeName ?? ((name: string) => `input '${name}'`);
  const tensors = new Map<string, tf.Tensor>();
  const raw = new Map<string, tf.Tensor>();
  for (const [name, node] of leaves) {
    const value = lookupName(given, name);
    if (value === undefined)
      throw new InputError(
        `missing ${label(name)} (spans ${formatRoles(node.roles)}); this loss takes ${[...leaves.keys()].map((n) => `'${n}'`).join(', ')}`,
      );
    const t = typeof value === 'number' ? tf.scalar(value) : value;
    if (!(t instanceof tf.Tensor)) throw new InputError(`${label(name)} must be a tf.Tensor or a number, got ${typeof value}`);
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool')
      throw new InputError(`${label(name)} has dtype ${t.dtype}; expected float32 (int32 or bool are accepted for data that is not differentiated)`);
    if (options.differentiable.has(name) && t.dtype !== 'float32')
      throw new InputError(`${label(name)} has dtype ${t.dtype}, but it is differentiated: pass a float32 tensor`);
    raw.set(name, t);
  }

  // the spatial rank k: from the reference input (the prediction) when it spans every role, else
  // from any input that does, else from one spanning spatial (compact shape)
  const ordered = [...leaves].sort(([a], [b]) => Number(b === options.reference) - Number(a === options.reference));
  const full = ordered.find(([, n]) => n.roles.length === 3);
  const spatial = ordered.find(([, n]) => n.roles.includes('spatial'));
  let k = 0;
  if (full) k = raw.get(full[0])!.rank - 2;
  else if (spatial) k = raw.get(spatial[0])!.rank - (spatial[1].roles.length - 1);
  if (k < 0) {
    const [name, node] = full ?? spatial!;
    throw new InputError(`${label(name)} has shape ${fmt(raw.get(name)!.shape)}, expected ${expectedShapes(node.roles, layout, 1)}`);
  }
  const rank = 2 + k;
  const probe: AxisMap = { layout, rank, spatialDims: new Array<number>(k).fill(1), sizes: { batch: 1, class: 1, spatial: 1 } };

  // every physical axis of the full layout: its size and which input set it
  const roleDims: RoleDims[] = [];
  for (const [name, node] of leaves) {
    const t = raw.get(name)!;
    const own = new Set(node.roles.flatMap((r) => roleAxes(probe, r)));
    const ownAxes = [...own].sort((a, b) => a - b);
    let fullShape: number[];
    if (node.roles.length === 0) {
      if (t.size !== 1) throw new InputError(`${label(name)} is a scalar but has shape ${fmt(t.shape)}`);
      fullShape = [];
    } else if (t.rank === rank) {
      fullShape = [...t.shape];
      fullShape.forEach((n, axis) => {
        if (!own.has(axis) && n !== 1)
          throw new InputError(
            `${label(name)} has shape ${fmt(t.shape)}, but it spans ${formatRoles(node.roles)}: its ${axisRole(probe, axis)} axis (${axis}) must be 1; expected ${expectedShapes(node.roles, layout, k)}`,
          );
      });
    } else if (t.rank === ownAxes.length) {
      fullShape = new Array<number>(rank).fill(1);
      ownAxes.forEach((axis, i) => {
        fullShape[axis] = t.shape[i]!;
      });
    } else {
      throw new InputError(`${label(name)} has shape ${fmt(t.shape)}, expected ${expectedShapes(node.roles, layout, k)} (${layout})`);
    }
    checkDims(label(name), [...t.shape], (axis) => (t.rank === rank ? axisRole(probe, axis) : undefined));
    const dims: Partial<Record<Role, number[]>> = {};
    for (const role of node.roles) dims[role] = roleAxes(probe, role).map((axis) => fullShape[axis]!);
    roleDims.push({ what: label(name), shape: [...t.shape], dims });
    tensors.set(name, fullShape.length === t.rank ? t : tf.reshape(t, fullShape));
  }

  for (const [name, t] of tensors) {
    const f = toFloat32(t);
    options.finite?.check(f, label(name));
    tensors.set(name, f);
  }

  const agreed = agreeRoleSizes(roleDims);
  const axisSize = new Array<number>(rank).fill(1);
  for (const role of ['batch', 'class', 'spatial'] as const)
    roleAxes(probe, role).forEach((axis, i) => {
      axisSize[axis] = agreed[role]?.dims[i] ?? 1;
    });
  const spatialDims = roleAxes(probe, 'spatial').map((axis) => axisSize[axis]!);
  const sizes: RoleSizes = {
    batch: axisSize[roleAxes(probe, 'batch')[0]!]!,
    class: axisSize[roleAxes(probe, 'class')[0]!]!,
    spatial: spatialDims.reduce((a, b) => a * b, 1),
  };
  return { axes: { layout, rank, spatialDims, sizes }, tensors };
}
