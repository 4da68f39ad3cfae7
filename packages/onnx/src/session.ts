import { InputError, type Node, type ParamCheck, type Role, checkParamValues, leaves, lookupName, nameRecord, paramChecks } from '@losskit/core';
import type { InferenceSession, Tensor, TensorConstructor } from 'onnxruntime-common';
import { checkRunValues } from './check-values.js';
import { axesOf } from './layout.js';
import { type SessionSettings, openSession } from './providers.js';
import { resolveRuntime } from './resolve-runtime.js';
import type { ExecutionProviderName, RuntimeName } from './runtime.js';
import {
  type GraphInputInfo,
  LOSS_OUTPUT,
  type LossLike,
  type OnnxLoss,
  type ToOnnxOptions,
  gradientOutputName,
  nextStateOutputName,
  toOnnx,
} from './to-onnx.js';

/**
 * Options of `createLossSession`: those of `toOnnx`, session settings and providers.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession, type LossSessionOptions } from '@losskit/onnx';
 * const options: LossSessionOptions = { gradients: ['pred'], providers: 'auto', intraOpThreads: 1 };
 * const session = await createLossSession(catalogue.focal(), options);
 * ```
 */
export interface LossSessionOptions extends ToOnnxOptions, SessionSettings {
  /**
   * Providers in order of preference; 'auto' = the runtime's chain (onnxruntime-node: cuda, dml,
   * coreml, cpu; onnxruntime-web: webgpu, wasm). Default: the runtime's CPU provider (cpu / wasm).
   */
  providers?: readonly ExecutionProviderName[] | 'auto';
  /** Refuse NaN/±Inf in inputs, params and state with an InputError naming the first (default true), like core and tfjs. */
  checkFinite?: boolean;
}

/**
 * Tensor data: the shape lists the roles the input spans in layout order (or the full physical shape).
 *
 * @example
 * ```ts
 * import { type TensorData } from '@losskit/onnx';
 * const prediction: TensorData = { shape: [2, 3, 4, 4], data: new Float32Array(96) }; // [N, C, H, W]
 * ```
 */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * The data of one run: tensors by input name (or the `prediction` / `target` shorthands), params and state.
 *
 * @example
 * ```ts
 * import { type LossRunInputs } from '@losskit/onnx';
 * const inputs: LossRunInputs = {
 *   prediction: { shape: [1, 2, 1, 1], data: [0.2, 0.8] },
 *   inputs: { labels: { shape: [1, 1, 1], data: [1] } },
 *   params: { A: 0.3 },
 * };
 * ```
 */
export interface LossRunInputs {
  /** Shorthand for inputs.pred. */
  prediction?: TensorData;
  /** Shorthand for inputs.target. */
  target?: TensorData;
  inputs?: Readonly<Record<string, TensorData | number>>;
  /** Scalar params; unbound ones use their defaults. */
  params?: Readonly<Record<string, number>>;
  /** State per slot (flat data); omitted: the state the session carries (zeros at first). */
  state?: Readonly<Record<string, ArrayLike<number>>>;
}

/**
 * The result of one `LossSession.run`.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession, type LossRun } from '@losskit/onnx';
 * const session = await createLossSession(catalogue.l2(), { gradients: ['pred'] });
 * const run: LossRun = await session.run({ prediction: { shape: [1, 1, 1, 2], data: [1, 2] }, target: { shape: [1, 1, 1, 2], data: [0, 0] } });
 * run.value; // 2.5
 * run.gradients.pred; // Float32Array [1, 2]
 * ```
 */
export interface LossRun {
  /** The loss (a scalar loss is data[0]). */
  readonly value: number;
  readonly valueData: Float32Array;
  /** grad_<input> for each requested input, laid out like the input. */
  readonly gradients: Record<string, Float32Array>;
  /** Every state slot after this step (also kept by the session for the next run). */
  readonly nextState: Record<string, Float32Array>;
}

/**
 * A loss compiled to ONNX and opened in ONNX Runtime, carrying EMA state from run to run.
 *
 * @example
 * ```ts
 * import { paperExperiments } from '@losskit/core';
 * import { createLossSession, type LossSession } from '@losskit/onnx';
 * const session: LossSession = await createLossSession(paperExperiments[11]!.build({ ema: 'stateful' }));
 * session.state; // {} until the first run (fresh state is zeros)
 * session.resetState();
 * await session.release();
 * ```
 */
export interface LossSession {
  readonly model: OnnxLoss;
  /** The ONNX Runtime package the session runs on. */
  readonly runtime: RuntimeName;
  /** The execution provider the session runs on. */
  readonly provider: ExecutionProviderName;
  /** Why preferred providers were skipped, one line each. */
  readonly providerLog: readonly string[];
  /** Graph input names the session feeds (for inspection). */
  readonly inputNames: readonly string[];
  run(inputs: LossRunInputs): Promise<LossRun>;
  /** The state the next run starts from when it passes none. */
  readonly state: Readonly<Record<string, Float32Array>>;
  resetState(): void;
  release(): Promise<void>;
}

/**
 * @deprecated Core's `InputError`, the one class every backend throws for bad data: catch that.
 *
 * @example
 * ```ts
 * import { InputError } from '@losskit/core';
 * import { LossInputError } from '@losskit/onnx';
 * LossInputError === InputError; // true
 * ```
 */
export const LossInputError = InputError;
/** @deprecated Core's `InputError`. */
export type LossInputError = InputError;

/**
 * Compiles a loss (value, requested gradients, state updates) and opens an ONNX Runtime session
 * for it. Inputs are checked before each run with errors that name the input.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession } from '@losskit/onnx';
 * const session = await createLossSession(catalogue.dice(), { gradients: ['pred'] });
 * const { value, gradients } = await session.run({
 *   prediction: { shape: [1, 2, 1, 2], data: [2, -1, -1, 2] },
 *   target: { shape: [1, 2, 1, 2], data: [1, 0, 0, 1] },
 * });
 * ```
 */
export async function createLossSession(source: Node | LossLike, options: LossSessionOptions = {}): Promise<LossSession> {
  const {
    providers,
    runtime,
    intraOpThreads,
    interOpThreads,
    graphOptimizationLevel,
    logSeverityLevel,
    configEntries,
    checkFinite = true,
    ...compile
  } = options;
  const inputLeaves = leaves(['expr' in source ? source.expr : source], 'input');
  const gradients = compile.gradients ?? (inputLeaves.has('pred') ? ['pred'] : []);
  const model = toOnnx(source, { ...compile, gradients });
  const ort = await resolveRuntime(runtime);
  const opened = await openSession(model.bytes, providers, {
    runtime: ort.ort,
    ...(intraOpThreads !== undefined ? { intraOpThreads } : {}),
    ...(interOpThreads !== undefined ? { interOpThreads } : {}),
    ...(graphOptimizationLevel !== undefined ? { graphOptimizationLevel } : {}),
    ...(logSeverityLevel !== undefined ? { logSeverityLevel } : {}),
    ...(configEntries !== undefined ? { configEntries } : {}),
  });
  return new OnnxLossSession(
    model,
    opened.session,
    opened.runtime,
    opened.provider,
    opened.skipped,
    new TensorCache(ort.ort.Tensor),
    checkFinite,
    paramChecks(['expr' in source ? source.expr : source]),
  );
}

class OnnxLossSession implements LossSession {
  readonly inputNames: readonly string[];
  private carried: Record<string, Float32Array> = {};
  /** [input, graph output] of each gradient, [slot, graph output] of each next state. */
  private readonly gradientOutputs: readonly [string, string][];
  private readonly stateOutputs: readonly [string, string][];

  constructor(
    readonly model: OnnxLoss,
    private readonly session: InferenceSession,
    readonly runtime: RuntimeName,
    readonly provider: ExecutionProviderName,
    readonly providerLog: readonly string[],
    private readonly tensors: TensorCache,
    private readonly checkFinite = true,
    /** core's range checks of params by use (an ema decay in [0, 1)), as evaluate and tfjs run them */
    private readonly paramRules: ReadonlyMap<string, ParamCheck> = new Map(),
  ) {
    this.inputNames = model.inputs.map((i) => i.name);
    const outputsOf = (kind: string, name: (source: string) => string) =>
      model.outputs.filter((o) => o.kind === kind).map((o): [string, string] => [o.source, name(o.source)]);
    this.gradientOutputs = outputsOf('gradient', gradientOutputName);
    this.stateOutputs = outputsOf('state', nextStateOutputName);
  }

  get state(): Readonly<Record<string, Float32Array>> {
    return this.carried;
  }

  resetState(): void {
    this.carried = {};
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  async run(given: LossRunInputs): Promise<LossRun> {
    checkRunValues(given, this.checkFinite);
    checkParamValues(this.paramRules, given.params);
    const feeds = buildFeeds(this.model, given, this.carried, this.tensors);
    const out = await this.session.run(feeds);
    const valueData = out[LOSS_OUTPUT]!.data as Float32Array;
    const gradients = nameRecord<Float32Array>();
    const nextState = nameRecord<Float32Array>();
    for (const [source, output] of this.gradientOutputs) gradients[source] = out[output]!.data as Float32Array;
    for (const [source, output] of this.stateOutputs) nextState[source] = out[output]!.data as Float32Array;
    this.carried = nextState;
    return { value: valueData[0]!, valueData, gradients, nextState };
  }
}

const describeShape = (info: GraphInputInfo): string => `[${info.shape.join(', ')}]`;

function toFloat32(what: string, data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array || data instanceof Int8Array ||
    data instanceof Uint16Array || data instanceof Int16Array || data instanceof Uint32Array)
    return Float32Array.from(data);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    throw new LossInputError(`${what}: data is a ${data.constructor.name}; pass numbers (Float32Array, Float64Array or number[])`);
  if (Array.isArray(data)) {
    const bad = data.findIndex((v) => typeof v !== 'number');
    if (bad >= 0)
      throw new LossInputError(`${what}: data[${bad}] is ${typeof data[bad]} (${String(data[bad])}); expected numbers`);
    return Float32Array.from(data as number[]);
  }
  throw new LossInputError(`${what}: data must be a Float32Array, Float64Array or number[], got ${data === null ? 'null' : typeof data}`);
}

interface InputPlan {
  readonly info: GraphInputInfo;
  /** Physical axes the input spans, ascending. */
  readonly axes: readonly number[];
  /** For each role it spans: the role, the positions of its axes among `axes`, and compiled sizes. */
  readonly roles: readonly { role: Role; at: readonly number[]; fixed: readonly (number | undefined)[] }[];
}

interface FeedPlan {
  readonly inputs: readonly InputPlan[];
  readonly params: readonly GraphInputInfo[];
  readonly states: readonly GraphInputInfo[];
  readonly inputNames: ReadonlySet<string>;
  readonly paramNames: ReadonlySet<string>;
}

/** Per-model facts every run needs, computed once (a run then only checks and wraps data). */
const plans = new WeakMap<OnnxLoss, FeedPlan>();
function planFor(model: OnnxLoss): FeedPlan {
  let plan = plans.get(model);
  if (plan) return plan;
  const layout = model.layout;
  const inputs = model.inputs
    .filter((i) => i.kind === 'input')
    .map((info) => {
      const axes = axesOf(layout, info.roles);
      return {
        info,
        axes,
        roles: info.roles.map((role) => ({
          role,
          at: layout.axes[role].map((a) => axes.indexOf(a)),
          fixed: layout.axes[role].map((a) => (typeof info.shape[a] === 'number' ? (info.shape[a] as number) : undefined)),
        })),
      };
    });
  plan = {
    inputs,
    params: model.inputs.filter((i) => i.kind === 'param'),
    states: model.inputs.filter((i) => i.kind === 'state'),
    inputNames: new Set(inputs.map((i) => i.info.source)),
    paramNames: new Set(model.inputs.filter((i) => i.kind === 'param').map((i) => i.source)),
  };
  plans.set(model, plan);
  return plan;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The ONNX Runtime tensors of the last run, reused while a feed is the same: a scalar with the same
 * value, a Float32Array with the same shape (its contents are read at run time, not copied).
 * A fresh scalar costs more than it looks: a 4-byte Float32Array lives on V8's heap, and handing
 * it to native code moves it off-heap on every run; a reused tensor was moved once.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { TensorCache, buildFeeds, toOnnx } from '@losskit/onnx';
 * import { Tensor } from 'onnxruntime-node';
 * const model = toOnnx(catalogue.l1());
 * const cache = new TensorCache(Tensor); // the Tensor class of the runtime that runs the feeds
 * const given = { prediction: { shape: [1, 1, 1, 2], data: new Float32Array([1, 2]) }, target: { shape: [1, 1, 1, 2], data: new Float32Array(2) } };
 * buildFeeds(model, given, {}, cache).pred === buildFeeds(model, given, {}, cache).pred; // true
 * ```
 */
export class TensorCache implements TensorMaker {
  constructor(private readonly Tensor: TensorConstructor) {}

  private readonly scalars = new Map<string, { value: number; tensor: Tensor }>();
  private readonly arrays = new Map<string, { data: Float32Array; dims: readonly number[]; tensor: Tensor }>();

  /** A rank-0 float tensor holding `value`, the same one as last time for the same name and value. */
  scalar(name: string, value: number): Tensor {
    const hit = this.scalars.get(name);
    if (hit && Object.is(hit.value, value)) return hit.tensor;
    // an explicit ArrayBuffer is off-heap from the start
    const data = new Float32Array(new ArrayBuffer(4));
    data[0] = value;
    const tensor = new this.Tensor('float32', data, []);
    this.scalars.set(name, { value, tensor });
    return tensor;
  }

  state(data: Float32Array, dims: readonly number[]): Tensor {
    return new this.Tensor('float32', data, [...dims]);
  }

  /** A float tensor over `data` with `dims`, the same one as last time for the same name, array and dims. */
  array(name: string, data: Float32Array, dims: readonly number[]): Tensor {
    const hit = this.arrays.get(name);
    if (hit && hit.data === data && sameDims(hit.dims, dims)) return hit.tensor;
    const tensor = new this.Tensor('float32', data, dims);
    this.arrays.set(name, { data, dims, tensor });
    return tensor;
  }
}

/**
 * Makes the tensors of a run: `TensorCache` (reuses them) or `freshTensors` (new ones each time).
 *
 * @example
 * ```ts
 * import { type TensorMaker, freshTensors } from '@losskit/onnx';
 * import { Tensor } from 'onnxruntime-node';
 * const tensors: TensorMaker = freshTensors(Tensor);
 * tensors.scalar('A', 2).data; // Float32Array [2]
 * ```
 */
export interface TensorMaker {
  /** A rank-0 float tensor holding `value`. */
  scalar(name: string, value: number): Tensor;
  /** A float tensor over `data` with `dims`. */
  array(name: string, data: Float32Array, dims: readonly number[]): Tensor;
  /** A float tensor for a state slot (never reused: state changes every run). */
  state(data: Float32Array, dims: readonly number[]): Tensor;
}

/**
 * Tensors made fresh for every feed (every input checked each time), with a runtime's Tensor class.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildFeeds, freshTensors, toOnnx } from '@losskit/onnx';
 * import * as ort from 'onnxruntime-web';
 * const feeds = buildFeeds(toOnnx(catalogue.l1()), { prediction: { shape: [1, 1, 1, 1], data: [1] }, target: { shape: [1, 1, 1, 1], data: [0] } }, {}, freshTensors(ort.Tensor));
 * ```
 */
export function freshTensors(Tensor: TensorConstructor): TensorMaker {
  return {
    scalar: (_: string, value: number) => new Tensor('float32', Float32Array.of(value), []),
    array: (_: string, data: Float32Array, dims: readonly number[]) => new Tensor('float32', data, [...dims]),
    state: (data: Float32Array, dims: readonly number[]) => new Tensor('float32', data, [...dims]),
  };
}

/**
 * What a fully checked run looked like, so a run with the same shapes skips the checks: per
 * tensor input (plan order) the shape it was given (a copy), its value count and physical
 * shape (undefined for a scalar given as a number), and the physical shape of each state slot.
 */
interface CheckedShapes {
  readonly model: OnnxLoss;
  readonly given: readonly (readonly number[] | undefined)[];
  readonly counts: readonly number[];
  readonly physical: readonly (readonly number[] | undefined)[];
  readonly states: readonly (readonly number[])[];
}

/** The shapes of the last fully checked run, per tensor cache (see buildFeeds). */
const CHECKED = new WeakMap<object, CheckedShapes>();

/** The tensor given for input `name`: the prediction / target shorthands win over inputs. */
function givenTensor(given: LossRunInputs, name: string): TensorData | number | undefined {
  if (name === 'pred' && given.prediction) return given.prediction;
  if (name === 'target' && given.target) return given.target;
  return lookupName(given.inputs, name);
}

/**
 * The feeds of a run whose tensors have the shapes of the last fully checked one, every input a
 * Float32Array of the right length (or a number where a number was given), no unknown name and
 * no explicit state: nothing buildFeeds checks can fail, so only the tensors are made. Anything
 * else: undefined, and buildFeeds checks everything (and names what is wrong).
 */
function repeatedFeeds(
  checked: CheckedShapes,
  plan: FeedPlan,
  given: LossRunInputs,
  carried: Readonly<Record<string, Float32Array>>,
  cache: TensorMaker,
): Record<string, Tensor> | undefined {
  if (given.state) return undefined;
  if (given.inputs) for (const name in given.inputs) if (!plan.inputNames.has(name)) return undefined;
  if (given.params) for (const name in given.params) if (!plan.paramNames.has(name)) return undefined;
  const feeds = nameRecord<Tensor>();
  for (const [i, { info }] of plan.inputs.entries()) {
    const value = givenTensor(given, info.source);
    const physical = checked.physical[i];
    if (typeof value === 'number') {
      if (physical !== undefined) return undefined;
      feeds[info.name] = cache.scalar(info.name, value);
      continue;
    }
    const shape = checked.given[i];
    if (value === undefined || physical === undefined || shape === undefined || !Array.isArray(value.shape)) return undefined;
    if (!sameDims(value.shape, shape)) return undefined;
    const data = value.data;
    if (!(data instanceof Float32Array) || data.length !== checked.counts[i]) return undefined;
    feeds[info.name] = cache.array(info.name, data, physical);
  }
  for (const info of plan.params) {
    const value = lookupName(given.params, info.source) ?? info.default;
    if (typeof value !== 'number') return undefined;
    feeds[info.name] = cache.scalar(info.name, value);
  }
  for (const [i, info] of plan.states.entries()) {
    const shape = checked.states[i]!;
    const count = shape.reduce((a, b) => a * b, 1);
    const data = lookupName(carried, info.source) ?? new Float32Array(count);
    if (data.length !== count) return undefined;
    feeds[info.name] = cache.state(data, shape);
  }
  return feeds;
}

/**
 * The graph feeds for one run, with every shape, dtype and size checked against the model.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildFeeds, freshTensors, toOnnx } from '@losskit/onnx';
 * import { Tensor } from 'onnxruntime-node';
 * const model = toOnnx(catalogue.l1());
 * const feeds = buildFeeds(model, { prediction: { shape: [1, 1, 1, 2], data: [1, 2] }, target: { shape: [1, 1, 1, 2], data: [0, 0] } }, {}, freshTensors(Tensor));
 * Object.keys(feeds); // ['pred', 'target']
 * ```
 */
export function buildFeeds(
  model: OnnxLoss,
  given: LossRunInputs,
  carried: Readonly<Record<string, Float32Array>>,
  cache: TensorMaker,
): Record<string, Tensor> {
  const layout = model.layout;
  const plan = planFor(model);
  const checked = CHECKED.get(cache);
  if (checked?.model === model) {
    const repeated = repeatedFeeds(checked, plan, given, carried, cache);
    if (repeated) return repeated;
  }
  const checkedGiven: (readonly number[] | undefined)[] = [];
  const checkedCounts: number[] = [];
  const checkedPhysical: (readonly number[] | undefined)[] = [];
  const checkedStates: (readonly number[])[] = [];
  const tensors: Record<string, TensorData | number | undefined> = Object.assign(nameRecord(), given.inputs);
  if (given.prediction) tensors.pred = given.prediction;
  if (given.target) tensors.target = given.target;
  for (const name in tensors)
    if (!plan.inputNames.has(name))
      throw new LossInputError(
        `unknown input '${name}': the loss takes ${[...plan.inputNames].map((n) => `'${n}'`).join(', ') || 'no tensor inputs'}`,
      );
  if (given.params)
    for (const name in given.params)
      if (!plan.params.some((i) => i.source === name))
        throw new LossInputError(
          `unknown param '${name}': the loss has ${plan.params.map((i) => `'${i.source}'`).join(', ') || 'no params'}`,
        );

  // role sizes, from the first input spanning each role (and the static sizes compiled in)
  const dims: Partial<Record<Role, { value: number[]; from: string }>> = {};
  const feeds = nameRecord<Tensor>();
  const physical = (info: GraphInputInfo): number[] => {
    if (info.roles.length === 0) return [];
    const shape = new Array<number>(layout.rank).fill(1);
    for (const role of info.roles) layout.axes[role].forEach((axis, i) => {
      shape[axis] = dims[role]!.value[i]!;
    });
    return shape;
  };

  for (const { info, axes, roles } of plan.inputs) {
    const what = () => `input '${info.source}'`;
    const value = tensors[info.source];
    if (value === undefined)
      throw new LossInputError(
        `missing ${what()} (shape ${describeShape(info)}, roles [${info.roles.join(', ')}])${info.source === 'pred' ? ': pass it as prediction' : ''}`,
      );
    if (typeof value === 'number') {
      if (info.roles.length > 0) throw new LossInputError(`${what()} spans [${info.roles.join(', ')}] but was given a number`);
      feeds[info.name] = cache.scalar(info.name, value);
      checkedGiven.push(undefined);
      checkedCounts.push(1);
      checkedPhysical.push(undefined);
      continue;
    }
    if (typeof value !== 'object' || value === null || !Array.isArray(value.shape))
      throw new LossInputError(`${what()}: expected { shape: number[], data }, got ${JSON.stringify(value)?.slice(0, 80)}`);
    const shape = value.shape;
    let spanned: readonly number[];
    if (shape.length === axes.length) spanned = shape;
    else if (shape.length === layout.rank && info.roles.length > 0) {
      const stray = shape.findIndex((d, axis) => !axes.includes(axis) && d !== 1);
      if (stray >= 0)
        throw new LossInputError(
          `${what()} has shape [${shape.join(', ')}]: axis ${stray} must be 1 (the input does not span that role); expected ${describeShape(info)}`,
        );
      spanned = axes.map((a) => shape[a]!);
    } else
      throw new LossInputError(
        `${what()} has shape [${shape.join(', ')}] (rank ${shape.length}), expected ${describeShape(info)} or its ${axes.length} spanned axes (${layout.name} layout)`,
      );
    let count = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0)
        throw new LossInputError(`${what()} has shape [${shape.join(', ')}]: dimensions must be positive integers`);
      count *= d;
    }
    for (const { role, at, fixed } of roles) {
      const roleDims = at.map((i) => spanned[i]!);
      const seen = dims[role];
      if (seen && !sameDims(seen.value, roleDims))
        throw new LossInputError(
          `shape mismatch: ${what()} has ${role} [${roleDims.join(', ')}] but ${seen.from} has [${seen.value.join(', ')}] (${role} axis)`,
        );
      fixed.forEach((d, i) => {
        if (d !== undefined && d !== roleDims[i])
          throw new LossInputError(`${what()}: ${role} size ${roleDims[i]} but the model was compiled for ${d}`);
      });
      dims[role] ??= { value: roleDims, from: what() };
    }
    const data = toFloat32(what(), value.data);
    if (data.length !== count)
      throw new LossInputError(`${what()} has ${data.length} values but its shape [${shape.join(', ')}] needs ${count}`);
    const physicalDims = physical(info);
    feeds[info.name] = cache.array(info.name, data, physicalDims);
    checkedGiven.push([...shape]);
    checkedCounts.push(count);
    checkedPhysical.push(physicalDims);
  }

  for (const info of plan.params) {
    const value = lookupName(given.params, info.source) ?? info.default;
    if (value === undefined) throw new LossInputError(`missing param '${info.source}': bind it in params (it has no default)`);
    if (typeof value !== 'number') throw new LossInputError(`param '${info.source}' must be a number, got ${typeof value}`);
    feeds[info.name] = cache.scalar(info.name, value);
  }

  for (const info of plan.states) {
    const what = `state '${info.source}'`;
    for (const role of info.roles)
      if (!dims[role]) throw new LossInputError(`${what} spans ${role}, but no input fixes its size`);
    const shape = physical(info);
    const count = shape.reduce((a, b) => a * b, 1);
    const given_ = lookupName(given.state, info.source) ?? lookupName(carried, info.source);
    const data = given_ === undefined ? new Float32Array(count) : toFloat32(what, given_);
    if (data.length !== count)
      throw new LossInputError(`${what} has ${data.length} values but needs ${count} (shape [${shape.join(', ')}])`);
    feeds[info.name] = cache.state(data, shape);
    checkedStates.push(shape);
  }
  if (given.state)
    for (const name in given.state)
      if (!plan.states.some((i) => i.source === name))
        throw new LossInputError(
          `unknown state slot '${name}': the loss has ${plan.states.map((i) => `'${i.source}'`).join(', ') || 'no state'}`,
        );
  if (cache instanceof TensorCache) CHECKED.set(cache, { model, given: checkedGiven, counts: checkedCounts, physical: checkedPhysical, states: checkedStates });
  return feeds;
}
