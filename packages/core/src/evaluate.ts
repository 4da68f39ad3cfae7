import { lowerState } from './ema.js';
import { BINARY_KERNELS, UNARY_KERNELS, elu, whereKernel } from './ir/kernels.js';
import { type Node, ShapeError, describe, topoSort } from './ir/node.js';
import { isBinaryOp, isCompareOp, isUnaryOp } from './ir/ops.js';
import { InputError, agreeRoleSizes, checkDims, checkFiniteData, checkNumbers, type RoleDims } from './input-checks.js';
import { lookupName, ownRecord } from './names.js';
import { checkParamValues, paramChecks } from './param-checks.js';

export { InputError };
import { ROLES, type Role, type Roles, formatRoles, minusRoles } from './ir/roles.js';

/**
 * The size of each role in one evaluation (spatial counts every spatial element).
 *
 * @example
 * ```ts
 * import { type RoleSizes } from '@losskit/core';
 * const sizes: RoleSizes = { batch: 4, class: 3, spatial: 64 * 64 };
 * ```
 */
export type RoleSizes = Record<Role, number>;

/**
 * A float64 tensor over a set of roles. `data` is laid out batch-major over the roles it
 * spans (batch, class, spatial order; spatial flattened), like NCHW with missing axes dropped.
 *
 * @example
 * ```ts
 * import { evaluate, input, type Tensor } from '@losskit/core';
 * const t: Tensor = evaluate(input('x'), { inputs: { x: { shape: [1, 2, 1, 1], data: [5, 6] } } }).value;
 * t.roles; // ['batch', 'class', 'spatial']
 * ```
 */
export interface Tensor {
  readonly roles: Roles;
  readonly sizes: RoleSizes;
  readonly data: Float64Array;
}

/**
 * A value for an input or state: a number for a scalar, or data with its shape. The shape
 * lists batch, class, then the spatial dims (any number, flattened), keeping only the roles
 * the input spans: a prediction is [N, C, H, W], per-class weights are [C].
 *
 * @example
 * ```ts
 * import { type TensorValue } from '@losskit/core';
 * const prediction: TensorValue = { shape: [1, 2, 2, 2], data: new Float32Array(8) }; // [N, C, H, W]
 * const scalar: TensorValue = 0.5;
 * ```
 */
export type TensorValue = number | { readonly shape: readonly number[]; readonly data: ArrayLike<number> } | Tensor;

/**
 * What `evaluate` binds: input data, param values, state from the previous step, sizes of roles no input spans.
 *
 * @example
 * ```ts
 * import { type Environment } from '@losskit/core';
 * const env: Environment = {
 *   inputs: { pred: { shape: [1, 2, 1, 1], data: [0.3, 0.7] } },
 *   params: { A: 0.25 },
 * };
 * ```
 */
export interface Environment {
  readonly inputs?: Readonly<Record<string, TensorValue>>;
  readonly params?: Readonly<Record<string, number>>;
  readonly state?: Readonly<Record<string, TensorValue>>;
  /** Sizes of roles no input spans (default 1). */
  readonly sizes?: Partial<RoleSizes>;
  /** Check inputs and state for NaN/Inf and throw an InputError naming the first (default true); false propagates them. */
  readonly checkFinite?: boolean;
  /** @deprecated Use `checkFinite: false`. */
  readonly allowNonFinite?: boolean;
}

/**
 * The result of `evaluate`: one tensor per root, and the state after this step.
 *
 * @example
 * ```ts
 * import { type Evaluation, evaluate, input, mean } from '@losskit/core';
 * const result: Evaluation = evaluate(mean(input('x')), { inputs: { x: { shape: [2, 1, 1, 1], data: [1, 3] } } });
 * result.value.data[0]; // 2
 * ```
 */
export interface Evaluation {
  /** The value of each root, in order. */
  readonly values: Tensor[];
  /** The value of the first root. */
  readonly value: Tensor;
  /** Every state slot after this step (ema terms); pass it back as `state` next step. */
  readonly nextState: Record<string, Tensor>;
}

/**
 * The float64 reference interpreter: the oracle every backend is tested against.
 *
 * @example
 * ```ts
 * import { evaluate, gradient, input, mean, square } from '@losskit/core';
 * const x = input('x');
 * const loss = mean(square(x));
 * const { values } = evaluate([loss, gradient(loss, x)], { inputs: { x: { shape: [2, 1, 1, 1], data: [1, 3] } } });
 * values[0]!.data[0]; // 5
 * values[1]!.data; // Float64Array [1, 3]
 * ```
 */
export function evaluate(roots: Node | readonly Node[], env: Environment = {}): Evaluation {
  const list = Array.isArray(roots) ? (roots as readonly Node[]) : [roots as Node];
  if (env.params !== undefined) checkParamValues(paramChecks(list), env.params); // a walk only when params are bound
  const { roots: lowered, slots } = lowerState(list);
  const nextNodes = slots.map((s) => s.next);
  const order = topoSort([...lowered, ...nextNodes]);
  const sizes = inferSizes(order, env);
  const values = new Map<Node, Tensor>();
  for (const node of order) values.set(node, evaluateNode(node, node.args.map((a) => values.get(a)!), sizes, env));
  const nextState = ownRecord(slots.map((s, i) => [s.name, values.get(nextNodes[i]!)!] as const));
  const out = lowered.map((r) => values.get(r)!);
  return { values: out, value: out[0]!, nextState };
}

/**
 * The value of a scalar expression as a number.
 *
 * @example
 * ```ts
 * import { evaluateScalar, input, mean } from '@losskit/core';
 * evaluateScalar(mean(input('x')), { inputs: { x: { shape: [3, 1, 1, 1], data: [1, 2, 6] } } }); // 3
 * ```
 */
export function evaluateScalar(root: Node, env: Environment = {}): number {
  const { value } = evaluate(root, env);
  if (value.roles.length > 0) throw new ShapeError(`expected a scalar expression, got one spanning ${formatRoles(value.roles)}`);
  return value.data[0]!;
}

const count = (roles: Roles, sizes: RoleSizes): number => roles.reduce((n, r) => n * sizes[r], 1);

/** Strides of a tensor over `roles`, indexed by role (0 for roles it does not span). */
function strides(roles: Roles, sizes: RoleSizes): RoleSizes {
  const s: RoleSizes = { batch: 0, class: 0, spatial: 0 };
  let stride = 1;
  for (let i = roles.length - 1; i >= 0; i--) {
    s[roles[i]!] = stride;
    stride *= sizes[roles[i]!];
  }
  return s;
}

/** Calls f(outIndex, argIndices) for every element of a tensor over `roles`. */
function forEachIndex(roles: Roles, sizes: RoleSizes, args: readonly Tensor[], f: (i: number, at: number[]) => void): void {
  const argStrides = args.map((a) => strides(a.roles, sizes));
  const [nb, nc, ns] = ROLES.map((r) => (roles.includes(r) ? sizes[r] : 1)) as [number, number, number];
  const at = args.map(() => 0);
  let i = 0;
  for (let b = 0; b < nb; b++)
    for (let c = 0; c < nc; c++)
      for (let s = 0; s < ns; s++) {
        for (let k = 0; k < args.length; k++) {
          const st = argStrides[k]!;
          at[k] = b * st.batch + c * st.class + s * st.spatial;
        }
        f(i++, at);
      }
}

function elementwise(node: Node, args: readonly Tensor[], sizes: RoleSizes, kernel: (...xs: number[]) => number): Tensor {
  const data = new Float64Array(count(node.roles, sizes));
  const xs = args.map(() => 0);
  forEachIndex(node.roles, sizes, args, (i, at) => {
    for (let k = 0; k < args.length; k++) xs[k] = args[k]!.data[at[k]!]!;
    data[i] = kernel(...xs);
  });
  return { roles: node.roles, sizes, data };
}

function evaluateNode(node: Node, args: readonly Tensor[], sizes: RoleSizes, env: Environment): Tensor {
  const scalar = (v: number): Tensor => ({ roles: [], sizes, data: Float64Array.of(v) });
  const { op } = node;
  if (op === 'const') {
    const v = node.attrs.value!;
    if (typeof v === 'number') return scalar(v);
    if (v.length !== sizes.class)
      throw new ShapeError(`per-class constant has ${v.length} values but the class axis has ${sizes.class}`);
    return { roles: ['class'], sizes, data: Float64Array.from(v) };
  }
  if (op === 'param') {
    const name = node.attrs.name!;
    const v: unknown = lookupName(env.params, name) ?? node.attrs.default;
    if (v === undefined) throw new InputError(`missing parameter '${name}': bind it in params or give it a default`);
    if (typeof v !== 'number') throw new InputError(`parameter '${name}' must be a number, got ${v === null ? 'null' : typeof v} (${JSON.stringify(v)})`);
    if ((env.checkFinite ?? !env.allowNonFinite) !== false) checkFiniteData(`parameter '${name}'`, [v]);
    return scalar(v);
  }
  if (op === 'input' || op === 'state') return readLeaf(node, sizes, env);
  if (op === 'size') return scalar(count(node.attrs.roles!, sizes));
  if (op === 'elu') return elementwise(node, args, sizes, (x) => elu(x, node.attrs.alpha!));
  if (isUnaryOp(op)) return elementwise(node, args, sizes, UNARY_KERNELS[op as Exclude<typeof op, 'elu'>]);
  if (isBinaryOp(op) || isCompareOp(op)) return elementwise(node, args, sizes, BINARY_KERNELS[op]);
  if (op === 'where') return elementwise(node, args, sizes, whereKernel);
  if (op === 'broadcastLike') return elementwise(node, args.slice(0, 1), sizes, (x) => x);
  if (op === 'sum' || op === 'mean') {
    const x = args[0]!;
    const data = new Float64Array(count(node.roles, sizes));
    const out = { roles: node.roles, sizes, data };
    forEachIndex(x.roles, sizes, [x, out], (i, at) => {
      data[at[1]!]! += x.data[i]!;
    });
    if (op === 'mean') {
      const n = count(node.attrs.roles!, sizes);
      for (let i = 0; i < data.length; i++) data[i]! /= n;
    }
    return out;
  }
  if (op === 'softmax' || op === 'logSoftmax') return classNormalize(args[0]!, sizes, op === 'logSoftmax');
  if (op === 'sortBy' || op === 'unsortBy') return permute(args[0]!, args[1]!, node.attrs.roles!, sizes, op === 'unsortBy');
  if (op === 'cumsum') return runningSum(args[0]!, node.attrs.roles!, sizes);
  throw new Error(`the evaluator has no rule for ${op}`);
}

/**
 * The flat offsets into a tensor over `roles` of each group of elements along `along`: one list per
 * index over the other roles, its elements in batch, class, spatial order.
 */
function groupsAlong(roles: Roles, along: Roles, sizes: RoleSizes): number[][] {
  const layout: Tensor = { roles, sizes, data: new Float64Array(0) };
  const inner: number[] = [];
  forEachIndex(along, sizes, [layout], (_, at) => inner.push(at[0]!));
  const groups: number[][] = [];
  forEachIndex(minusRoles(roles, along), sizes, [layout], (_, at) => groups.push(inner.map((o) => at[0]! + o)));
  return groups;
}

/** sortBy: x permuted so the key descends within each group (stable); inverse: the permutation undone. */
function permute(key: Tensor, x: Tensor, along: Roles, sizes: RoleSizes, inverse: boolean): Tensor {
  const data = new Float64Array(x.data.length);
  for (const offsets of groupsAlong(x.roles, along, sizes)) {
    const order = offsets.map((_, i) => i).sort((a, b) => key.data[offsets[b]!]! - key.data[offsets[a]!]! || a - b);
    order.forEach((from, to) => {
      if (inverse) data[offsets[from]!] = x.data[offsets[to]!]!;
      else data[offsets[to]!] = x.data[offsets[from]!]!;
    });
  }
  return { roles: x.roles, sizes, data };
}

/** Inclusive running sum within each group. */
function runningSum(x: Tensor, along: Roles, sizes: RoleSizes): Tensor {
  const data = new Float64Array(x.data.length);
  for (const offsets of groupsAlong(x.roles, along, sizes)) {
    let total = 0;
    for (const o of offsets) {
      total += x.data[o]!;
      data[o] = total;
    }
  }
  return { roles: x.roles, sizes, data };
}

/** softmax or log-softmax along the class axis, shifted by the max for stability. */
function classNormalize(x: Tensor, sizes: RoleSizes, logForm: boolean): Tensor {
  const data = new Float64Array(x.data.length);
  const st = strides(x.roles, sizes);
  const others = minusRoles(x.roles, ['class']);
  const firsts: number[] = [];
  forEachIndex(others, sizes, [x], (_, at) => firsts.push(at[0]!));
  for (const first of firsts) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < sizes.class; c++) m = Math.max(m, x.data[first + c * st.class]!);
    let total = 0;
    for (let c = 0; c < sizes.class; c++) total += Math.exp(x.data[first + c * st.class]! - m);
    const logTotal = Math.log(total);
    for (let c = 0; c < sizes.class; c++) {
      const i = first + c * st.class;
      data[i] = logForm ? x.data[i]! - m - logTotal : Math.exp(x.data[i]! - m) / total;
    }
  }
  return { roles: x.roles, sizes, data };
}

function leafValue(node: Node, env: Environment): TensorValue | undefined {
  return lookupName(node.op === 'input' ? env.inputs : env.state, node.attrs.name!);
}

/** The role dims of a value bound to a leaf spanning `roles`, read from its shape (checked: positive integer dims, numbers, enough values). */
function dimsOf(node: Node, value: TensorValue): RoleDims {
  const what = describe(node);
  if (typeof value === 'number') {
    if (node.roles.length > 0) throw new InputError(`${what} spans ${formatRoles(node.roles)} but was given a scalar`);
    return { what, shape: [], dims: {} };
  }
  if (typeof value !== 'object' || value === null)
    throw new InputError(`${what}: expected a number or { shape, data }, got ${value === null ? 'null' : typeof value}`);
  if ('roles' in value) {
    const dims: Partial<Record<Role, number[]>> = {};
    for (const r of node.roles) dims[r] = [value.sizes[r]];
    return { what, shape: node.roles.map((r) => value.sizes[r]), dims };
  }
  const shape = value.shape;
  const fixed = minusRoles(node.roles, ['spatial']);
  const hasSpatial = node.roles.includes('spatial');
  const roleOfAxis = (axis: number) => (axis < fixed.length ? fixed[axis] : hasSpatial ? 'spatial' : undefined);
  checkDims(what, shape, roleOfAxis);
  const ok = hasSpatial ? shape.length > fixed.length : shape.length === fixed.length;
  const expected = node.roles.map((r) => (r === 'spatial' ? '...spatial' : r)).join(', ');
  if (!ok) throw new InputError(`${what} has shape [${shape.join(', ')}], expected [${expected}]`);
  checkNumbers(what, value.data);
  const n = shape.reduce((a, b) => a * b, 1);
  if (value.data.length !== n) throw new InputError(`${what} has ${value.data.length} values but its shape [${shape.join(', ')}] needs ${n}`);
  const dims: Partial<Record<Role, readonly number[]>> = {};
  fixed.forEach((r, i) => {
    dims[r] = [shape[i]!];
  });
  if (hasSpatial) dims.spatial = shape.slice(fixed.length);
  return { what, shape, dims };
}

function inferSizes(order: readonly Node[], env: Environment): RoleSizes {
  const sizes: RoleSizes = { batch: 1, class: 1, spatial: 1, ...env.sizes };
  const given: RoleDims[] = [];
  for (const node of order) {
    if (node.op !== 'input' && node.op !== 'state') continue;
    const value = leafValue(node, env);
    if (value !== undefined) given.push(dimsOf(node, value));
  }
  const agreed = agreeRoleSizes(given);
  for (const role of ROLES) {
    const found = agreed[role];
    if (found !== undefined) sizes[role] = found.dims.reduce((a, b) => a * b, 1);
  }
  for (const node of order)
    if (node.op === 'const' && typeof node.attrs.value !== 'number' && agreed.class === undefined) sizes.class = node.attrs.value!.length;
  return sizes;
}

function readLeaf(node: Node, sizes: RoleSizes, env: Environment): Tensor {
  const value = leafValue(node, env);
  const n = count(node.roles, sizes);
  if (value === undefined) {
    if (node.op === 'state') return { roles: node.roles, sizes, data: new Float64Array(n) }; // fresh state: zeros
    throw new InputError(`missing input '${node.attrs.name}' (spans ${formatRoles(node.roles)})`);
  }
  const data = typeof value === 'number' ? Float64Array.of(value) : Float64Array.from(value.data);
  if ((env.checkFinite ?? !env.allowNonFinite) !== false) checkFiniteData(describe(node), data);
  return { roles: node.roles, sizes, data };
}
