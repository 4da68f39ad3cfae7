import type { Role } from './ir/roles.js';

/**
 * Input data that does not fit the expression: a missing input, a wrong shape, sizes that disagree
 * between inputs, a dimension that is not a positive integer, a value that is not a number, NaN or
 * Inf (names the input). Every backend throws this class for bad data: `evaluate`,
 * `@losskit/tfjs` and `@losskit/onnx` run the same checks, and `checkFinite: false` skips the
 * NaN/Inf check in each of them.
 *
 * @example
 * ```ts
 * import { InputError, evaluate, input } from '@losskit/core';
 * try {
 *   evaluate(input('x'), { inputs: {} });
 * } catch (error) {
 *   if (error instanceof InputError) console.error(error.message); // names the missing input 'x'
 * }
 * ```
 */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Throws an InputError unless every dimension of `shape` is a positive integer. A zero-size axis
 * is refused rather than propagated: a mean over no elements is 0/0, and a loss of NaN from an
 * empty batch hides the cause.
 *
 * @example
 * ```ts
 * import { checkDims } from '@losskit/core';
 * checkDims("input 'pred'", [2, 3, 8, 8]); // fine
 * checkDims("input 'pred'", [0, 3, 8, 8]); // throws InputError: zero-size batch
 * ```
 */
export function checkDims(what: string, shape: unknown, roleOfAxis?: (axis: number) => string | undefined): void {
  if (!Array.isArray(shape)) throw new InputError(`${what}: shape must be an array of positive integers, got ${JSON.stringify(shape)}`);
  shape.forEach((d: unknown, axis) => {
    if (typeof d === 'number' && Number.isInteger(d) && d > 0) return;
    const role = roleOfAxis?.(axis);
    const at = role === undefined ? `axis ${axis}` : `axis ${axis} (${role})`;
    if (d === 0)
      throw new InputError(
        `${what} has shape [${shape.join(', ')}]: ${at} has size 0; a loss over no elements is undefined, so zero-size inputs are refused`,
      );
    throw new InputError(`${what} has shape [${shape.join(', ')}]: ${at} is ${JSON.stringify(d)}; dimensions must be positive integers`);
  });
}

/**
 * Throws an InputError unless `data` holds numbers: typed arrays pass, plain arrays must hold
 * `number`s only (no `null`, `"2"` or `true`, which `Float64Array.from` would silently coerce).
 *
 * @example
 * ```ts
 * import { checkNumbers } from '@losskit/core';
 * checkNumbers("input 'x'", [1, 2, 3]); // fine
 * checkNumbers("input 'x'", [1, null, '2']); // throws InputError naming data[1]
 * ```
 */
export function checkNumbers(what: string, data: unknown): asserts data is ArrayLike<number> {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      throw new InputError(`${what}: data is a ${data.constructor.name}; pass numbers (Float32Array, Float64Array or number[])`);
    return;
  }
  if (!Array.isArray(data))
    throw new InputError(`${what}: data must be an array or typed array of numbers, got ${data === null ? 'null' : typeof data}`);
  for (let i = 0; i < data.length; i++) {
    const x: unknown = data[i];
    if (typeof x !== 'number')
      throw new InputError(`${what}: data[${i}] is ${x === null ? 'null' : typeof x} (${JSON.stringify(x) ?? String(x)}); expected a number`);
  }
}

/** Index of the first NaN or ±Inf in `data`, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/**
 * Throws an InputError naming the first NaN or ±Inf in `data` (the `checkFinite` check of every backend).
 *
 * @example
 * ```ts
 * import { checkFiniteData } from '@losskit/core';
 * checkFiniteData("input 'pred'", [0.5, Number.NaN]); // throws: non-finite value (NaN) at flat index 1
 * ```
 */
export function checkFiniteData(what: string, data: ArrayLike<number>, shape?: readonly number[]): void {
  const at = firstNonFinite(data);
  if (at < 0) return;
  throw new InputError(
    `${what} has a non-finite value (${data[at]}) at flat index ${at}${shape === undefined ? '' : ` of shape [${shape.join(', ')}]`}; losses need finite inputs (pass checkFinite: false to skip this check)`,
  );
}

/**
 * One input's shape as a backend reads it from its layout: the sizes of each role it spans
 * (spatial as its list of dims, the others as one dim each).
 *
 * @example
 * ```ts
 * import { type RoleDims } from '@losskit/core';
 * const pred: RoleDims = { what: "prediction 'pred'", shape: [2, 3, 8, 8], dims: { batch: [2], class: [3], spatial: [8, 8] } };
 * ```
 */
export interface RoleDims {
  readonly what: string;
  readonly shape: readonly number[];
  readonly dims: Partial<Readonly<Record<Role, readonly number[]>>>;
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Checks that every input agrees on the size of each role it spans and returns the sizes (per role,
 * from the first input spanning it). Spatial dims must match axis by axis ([4,4] vs [2,8] is a
 * mismatch even though both hold 16 values); inputs of different spatial rank must hold the same
 * number of spatial elements. Throws an InputError naming both inputs, their shapes and the role.
 *
 * @example
 * ```ts
 * import { agreeRoleSizes } from '@losskit/core';
 * agreeRoleSizes([
 *   { what: "input 'pred'", shape: [1, 3, 4, 4], dims: { batch: [1], class: [3], spatial: [4, 4] } },
 *   { what: "input 'target'", shape: [1, 3, 2, 8], dims: { batch: [1], class: [3], spatial: [2, 8] } },
 * ]); // throws InputError: shape mismatch ... (spatial)
 * ```
 */
export function agreeRoleSizes(inputs: Iterable<RoleDims>): Partial<Record<Role, { dims: readonly number[]; from: RoleDims }>> {
  const seen: Partial<Record<Role, { dims: readonly number[]; from: RoleDims }>> = {};
  for (const input of inputs)
    for (const role of Object.keys(input.dims) as Role[]) {
      const dims = input.dims[role]!;
      const prior = seen[role];
      if (prior === undefined) {
        seen[role] = { dims, from: input };
        continue;
      }
      const agree = prior.dims.length === dims.length ? sameList(prior.dims, dims) : role === 'spatial' && product(prior.dims) === product(dims);
      if (!agree)
        throw new InputError(
          `shape mismatch: ${prior.from.what} [${prior.from.shape.join(', ')}] vs ${input.what} [${input.shape.join(', ')}] (${role} axis: ${prior.dims.join('x')} vs ${dims.join('x')})`,
        );
    }
  return seen;
}
