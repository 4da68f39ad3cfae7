import { constant, mul } from '../builders.js';
import type { Node } from '../ir/node.js';
import { OptionError } from './options.js';

/**
 * The class-weighting options shared by several losses.
 *
 * @example
 * ```ts
 * import { classWeightVector, type ClassWeightOptions } from '@losskit/core';
 * const options: ClassWeightOptions = { numClasses: 3, includeBackground: false };
 * classWeightVector('dice', options); // constant [0, 1, 1]
 * ```
 */
export interface ClassWeightOptions {
  readonly classWeights?: readonly number[] | undefined;
  /** false: class 0 (background) gets weight 0. Needs numClasses. */
  readonly includeBackground?: boolean | undefined;
  readonly numClasses?: number | undefined;
}

/**
 * Per-class weights as one constant vector (roles [class]), or null when every class weighs 1.
 * Excluding the background is weight 0 on class 0, so it composes with class weights.
 *
 * @example
 * ```ts
 * import { classWeightVector } from '@losskit/core';
 * classWeightVector('focal', { classWeights: [1, 2, 2] }); // constant [1, 2, 2], roles ['class']
 * classWeightVector('focal', {}); // null: every class weighs 1
 * ```
 */
export function classWeightVector(loss: string, options: ClassWeightOptions): Node | null {
  const { classWeights, includeBackground = true, numClasses } = options;
  if (classWeights && numClasses !== undefined && classWeights.length !== numClasses)
    throw new OptionError(`${loss}: classWeights has ${classWeights.length} values but numClasses is ${numClasses}`);
  if (!includeBackground && classWeights === undefined && numClasses === undefined)
    throw new OptionError(`${loss}: includeBackground: false needs numClasses (or classWeights) to know the class count`);
  if (!classWeights && includeBackground) return null;
  const n = classWeights?.length ?? numClasses!;
  const weights = Array.from({ length: n }, (_, c) => (c === 0 && !includeBackground ? 0 : (classWeights?.[c] ?? 1)));
  if (weights.every((w) => w === 0)) throw new OptionError(`${loss}: every class weight is 0, so the loss would be empty`);
  return constant(weights);
}

/** a * b where either may be absent (null = all ones). */
export function mulOptional(a: Node | null, b: Node | null): Node | null {
  return a && b ? mul(a, b) : (a ?? b);
}
