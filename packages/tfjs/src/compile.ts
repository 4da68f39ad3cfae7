import {
  type Node,
  type StateSlot,
  checkParamValues,
  gradient,
  input,
  leaves,
  lookupName,
  lowerState,
  mul,
  nameRecord,
  paramChecks,
  sum,
} from '@losskit/core';
import * as tf from '@tensorflow/tfjs-core';
import { FiniteChecks } from './finite-check.js';
import { toFloat32 } from './float32.js';
import { type InputValue, InputError, prepareInputs } from './inputs.js';
import { type AxisMap, type Layout, shapeFor } from './layout.js';
import { LOWERINGS } from './lowerings.js';
import { type Binding, type FusionExplanation, Program, materialize } from './program.js';
import { gatherScalarFactors } from './scalar-factors.js';

/**
 * How gradients are computed: 'symbolic' (the core's simplified derivative, via tf.customGrad) or 'autodiff' (tfjs's own).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { compile, type GradientMode } from '@losskit/tfjs';
 * const mode: GradientMode = 'autodiff';
 * const reference = compile(catalogue.dice(), { gradient: mode }); // for comparison with the symbolic default
 * ```
 */
export type GradientMode = 'symbolic' | 'autodiff';
/**
 * When the layers-loss call updates ema state. 'recording' (default): only while tfjs records
 * gradients, i.e. in a training step (model.fit's optimizer step, tf.grads, optimizer.minimize), so
 * validation and model.evaluate leave the state alone. 'always' / 'never' as named.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { compile, type StateUpdate } from '@losskit/tfjs';
 * const stateUpdate: StateUpdate = 'never'; // a frozen moving average, e.g. for evaluation
 * const loss = compile(catalogue.dice(), { stateUpdate });
 * ```
 */
export type StateUpdate = 'recording' | 'always' | 'never';

/**
 * The parts of a catalogue `Loss` that compiling needs.
 *
 * @example
 * ```ts
 * import { input, mean, square } from '@losskit/core';
 * import { compile, type LossDefinition } from '@losskit/tfjs';
 * const definition: LossDefinition = { name: 'meanSquare', expr: mean(square(input('pred'))) };
 * const loss = compile(definition);
 * ```
 */
export interface LossDefinition {
  readonly name?: string;
  readonly expr: Node;
  readonly inputs?: Readonly<Record<string, { readonly domain: string }>>;
  readonly params?: Readonly<Record<string, number>>;
}

/**
 * Options of `compile`.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { compile, type CompileOptions } from '@losskit/tfjs';
 * const options: CompileOptions = { layout: 'NCHW', params: { A: 0.3 }, stateUpdate: 'always' };
 * const loss = compile(catalogue.focal(), options);
 * ```
 */
export interface CompileOptions {
  /** Physical layout of every tensor passed in and returned (default 'NHWC', the tfjs convention). */
  layout?: Layout;
  /** 'symbolic' (default): the core's simplified derivative, attached with tf.customGrad. 'autodiff': tfjs's own. */
  gradient?: GradientMode;
  /** The input bound to yPred in the layers-loss form (default 'pred'). */
  prediction?: string;
  /** The input bound to yTrue (default 'target', else 'labels', else the only other input). */
  target?: string;
  /** Inputs tfjs gradients flow to through the compiled loss (default: the prediction). */
  wrt?: readonly string[];
  /** Initial parameter values (default: the loss's params, then each param's own default). */
  params?: Readonly<Record<string, number>>;
  stateUpdate?: StateUpdate;
  /**
   * Check inputs for NaN/Inf on every call and throw an `InputError` naming the input (default
   * true). On cpu, wasm and tfjs-node the call that got the bad input throws. On webgl and webgpu
   * the check runs on the device and is read without stalling the pipeline: the error is thrown by
   * the next call of this loss and by `await loss.sync()`.
   */
  checkFinite?: boolean;
  /**
   * Fuse elementwise chains and their reductions into generated kernels, one tfjs kernel each
   * (default true): JavaScript loops on cpu and wasm (intermediates float64), WGSL on webgpu and
   * GLSL on webgl 2 (intermediates float32). Values agree with the unfused ops to float32 rounding.
   * The node backends, webgl 1 and tfjs autodiff run one kernel per op (`loss.explain()` says why).
   */
  fuse?: boolean;
}

/**
 * The value of a compiled loss and its gradient with respect to each input differentiated.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { compile, type ValueAndGrad } from '@losskit/tfjs';
 * const loss = compile(catalogue.l2());
 * const x = tf.ones([1, 2, 2, 1]);
 * const { value, grads }: ValueAndGrad = loss.valueAndGrad({ pred: x, target: tf.zerosLike(x) });
 * ```
 */
export interface ValueAndGrad {
  value: tf.Tensor;
  /** One gradient per input differentiated, shaped like the tensor given for it. */
  grads: Record<string, tf.Tensor>;
}

/**
 * A loss compiled to tfjs ops: callable as a layers loss `(yTrue, yPred) => tf.Scalar`, with value, gradient, params and state methods.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { compile, type CompiledLoss } from '@losskit/tfjs';
 * const loss: CompiledLoss = compile(catalogue.dice());
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
 * model.compile({ optimizer: 'adam', loss: loss.asLayersLoss() });
 * ```
 */
export interface CompiledLoss {
  /** The layers-loss form: (yTrue, yPred) => loss, differentiable by tfjs with respect to yPred. */
  (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
  readonly expr: Node;
  readonly layout: Layout;
  readonly gradientMode: GradientMode;
  readonly inputNames: readonly string[];
  readonly paramNames: readonly string[];
  /** The state slots ema terms carry (name and roles). */
  readonly stateSlots: readonly { name: string; roles: readonly string[] }[];
  /** A plain function for `model.compile({ loss })`. */
  asLayersLoss(): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
  /** The loss on named inputs, differentiable by tfjs (tf.grads, optimizer.minimize) w.r.t. `wrt`. */
  call(inputs: Readonly<Record<string, InputValue>>): tf.Tensor;
  /** The value only; `training` (default false) advances ema state. */
  value(inputs: Readonly<Record<string, InputValue>>, options?: { training?: boolean }): tf.Tensor;
  /**
   * Value and gradients in one lowered graph sharing subexpressions (symbolic mode), or through
   * tf.valueAndGrads (autodiff mode). `training` (default true: a custom loop's step) advances state.
   */
  valueAndGrad(
    inputs: Readonly<Record<string, InputValue>>,
    options?: { wrt?: readonly string[]; training?: boolean },
  ): ValueAndGrad;
  /** Change parameters between steps; no recompilation (they live in tf variables). */
  setParams(values: Readonly<Record<string, number>>): void;
  getParams(): Record<string, number>;
  /** Copies of the state tensors (full rank in the layout), by slot; the caller disposes them. */
  getState(): Record<string, tf.Tensor>;
  setState(values: Readonly<Record<string, tf.Tensor>>): void;
  /** Forget the ema state: the next training call starts fresh. */
  reset(): void;
  /**
   * Waits for the finite checks still in flight (webgl, webgpu: they are read asynchronously)
   * and throws the `InputError` of the first that failed; resolves at once on cpu, wasm and node.
   */
  sync(): Promise<void>;
  /** Free the variables and cached constants. */
  dispose(): void;
  /**
   * Which path the last call took and why: fused kernels rendered for a target ('js' on cpu/wasm,
   * 'wgsl' on webgpu, 'glsl' on webgl) or one tfjs kernel per op ('per-op'), e.g. because fusion
   * is off, a tfjs tape records, or the backend has no fused target.
   */
  explain(): FusionExplanation;
}

/** The vector-Jacobian product's upstream-gradient input; renamed if the loss has an input of that name. */
const UPSTREAM = '$upstream';
const isLoss = (x: Node | LossDefinition): x is LossDefinition => 'expr' in x;

/** A lowered program and the state slots it updates (its roots: value, ...extra, ...slot next values). */
interface Plan {
  readonly program: Program;
  readonly slots: readonly StateSlot[];
  readonly extra: number;
}

/**
 * The expression with its ema terms lowered to state leaves, plus `extra(loweredValue)` (the
 * gradients). Differentiating the lowered graph treats the state read as a constant, which is the
 * ema rule d ema/dx = (1-d)/(1-d^t'); and no ema node survives into the gradient, where a
 * simplified copy of its argument would look like a second term on the same slot.
 */
function plan(value: Node, fuse: boolean, extra: (lowered: Node) => readonly Node[] = () => []): Plan {
  const { roots, slots } = lowerState([value]);
  const more = extra(roots[0]!);
  const all = gatherScalarFactors([roots[0]!, ...more, ...slots.map((s) => s.next)]);
  return { program: new Program(all, LOWERINGS, fuse), slots, extra: more.length };
}

/**
 * Compiles a core expression (or catalogue loss) to tfjs ops. Call it as a layers loss
 * `(yTrue, yPred) => tf.Scalar`, or use `value` / `valueAndGrad` / `call` on named inputs.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { compile } from '@losskit/tfjs';
 * const loss = compile(catalogue.categoricalCrossEntropy());
 * const logits = tf.randomNormal([2, 4, 4, 3]);
 * const labels = tf.oneHot(tf.randomUniform([2, 4, 4], 0, 3, 'int32'), 3);
 * const { value, grads } = loss.valueAndGrad({ pred: logits, target: labels });
 * ```
 */
export function compile(loss: Node | LossDefinition, options: CompileOptions = {}): CompiledLoss {
  const definition: LossDefinition = isLoss(loss) ? loss : { expr: loss };
  const expr = definition.expr;
  const layout = options.layout ?? 'NHWC';
  const mode = options.gradient ?? 'symbolic';
  const checkFinite = options.checkFinite ?? true;
  const stateUpdate = options.stateUpdate ?? 'recording';
  const inputLeaves = leaves([expr], 'input');
  let upstream = UPSTREAM;
  while (inputLeaves.has(upstream)) upstream += '_';
  const paramLeaves = leaves([expr], 'param');
  const names = [...inputLeaves.keys()];
  const prediction = options.prediction ?? 'pred';
  const others = names.filter((n) => n !== prediction);
  const target =
    options.target ?? (others.includes('target') ? 'target' : others.includes('labels') ? 'labels' : others.length === 1 ? others[0] : undefined);
  const defaultWrt = options.wrt ?? (inputLeaves.has(prediction) ? [prediction] : []);
  for (const name of [...defaultWrt, ...(options.target ? [options.target] : [])])
    if (!inputLeaves.has(name)) throw new InputError(`'${name}' is not an input of this loss; its inputs are ${names.join(', ')}`);

  // everything that can fail runs before the first tensor exists, so a failing compile leaves none
  const paramValues = new Map<string, number>();
  for (const [name, node] of paramLeaves) {
    const v = lookupName(options.params, name) ?? lookupName(definition.params, name) ?? node.attrs.default;
    if (v === undefined) throw new InputError(`parameter '${name}' has no default: pass it in options.params`);
    paramValues.set(name, v);
  }
  // the ranges the graph's use of a param needs (e.g. an ema decay in [0, 1)), core's checks
  const paramRules = paramChecks([expr]);
  checkParamValues(paramRules, Object.fromEntries(paramValues));
  const fuse = options.fuse ?? true;
  const valuePlan = plan(expr, fuse);
  // parameters live in tf variables so setParams needs no recompilation (tidy: the initial scalar
  // is disposed, the variable keeps its data)
  const paramVars = new Map<string, tf.Variable>();
  for (const [name, v] of paramValues) paramVars.set(name, tf.tidy(() => tf.variable(tf.scalar(v), false)));
  const checks = new FiniteChecks();
  const stateVars = new Map<string, tf.Variable>();
  const scalars = new Map<number, tf.Tensor>();
  const vectors = new Map<string, tf.Tensor>();
  const fusedPlans = new Map<string, Plan>();
  const vjpPlans = new Map<string, Plan>();

  const fusedPlan = (wrt: readonly string[]): Plan => {
    const key = wrt.join('\0');
    let p = fusedPlans.get(key);
    if (!p) {
      p = plan(expr, fuse, (lowered) => gradient(lowered, wrt.map((n) => inputLeaves.get(n)!)));
      fusedPlans.set(key, p);
    }
    return p;
  };
  // vector-Jacobian product for non-scalar roots: d/dx sum(root * upstream)
  const vjpPlan = (wrt: readonly string[]): Plan => {
    const key = wrt.join('\0');
    let p = vjpPlans.get(key);
    if (!p) {
      p = plan(expr, fuse, (lowered) => gradient(sum(mul(lowered, input(upstream, expr.roles))), wrt.map((n) => inputLeaves.get(n)!)));
      vjpPlans.set(key, p);
    }
    return p;
  };

  const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as never) as (x: tf.Tensor) => tf.Tensor;

  // Comparisons are piecewise constant, so their operands get zero gradient. tfjs registers no
  // gradient for Greater & co. and fails when its tape meets one, so under autodiff they run inside
  // a customGrad (whose forward is not taped) that returns zeros.
  const opaque = new Map<unknown, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>();
  const opaqueCompare = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => {
    let g = opaque.get(f);
    if (!g) {
      g = tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
        value: f(a, b),
        gradFunc: () => [tf.zerosLike(a), tf.zerosLike(b)],
      })) as never) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
      opaque.set(f, g);
    }
    return g;
  };

  const stateTensor = (name: string, roles: Node['roles'], axes: AxisMap): tf.Tensor => {
    const shape = shapeFor(axes, roles);
    let v = stateVars.get(name);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zeros(shape), false)); // fresh state: zeros (the ema's bias correction handles it)
      stateVars.set(name, v);
    }
    if (v.shape.join() !== shape.join())
      throw new InputError(
        `state slot '${name}' holds shape [${v.shape}] but this call needs [${shape}]: call reset() before changing the size of its axes`,
      );
    return v;
  };

  const binding = (axes: AxisMap, tensors: ReadonlyMap<string, tf.Tensor>, state?: ReadonlyMap<string, tf.Tensor>): Binding => ({
    axes,
    leaf: (node) => {
      const name = node.attrs.name!;
      if (node.op === 'input') return tensors.get(name)!;
      if (node.op === 'param') return paramVars.get(name)!;
      return state?.get(name) ?? stateTensor(name, node.roles, axes);
    },
    scalar: (v) => {
      let t = scalars.get(v);
      if (!t) {
        t = tf.keep(tf.scalar(v));
        scalars.set(v, t);
      }
      return t;
    },
    classVector: (values) => {
      const key = `${axes.rank}:${values.join(',')}`;
      let t = vectors.get(key);
      if (!t) {
        const shape = shapeFor(axes, ['class']);
        t = tf.keep(tf.tensor(Float32Array.from(values), shape));
        vectors.set(key, t);
      }
      return t;
    },
    stopGradient: (x) => (mode === 'autodiff' ? stopGradient(x) : x),
    compare: (f, a, b) => (mode === 'autodiff' ? opaqueCompare(f)(a, b) : f(a, b)),
  });

  const prepare = (given: Readonly<Record<string, InputValue>>, differentiable: readonly string[]) =>
    prepareInputs(inputLeaves, given, layout, {
      differentiable: new Set(differentiable),
      ...(checkFinite ? { finite: checks.forCall() } : {}),
      reference: prediction,
      describeName: (n) =>
        n === prediction && target !== undefined ? `prediction '${n}'` : n === target ? `target '${n}'` : `input '${n}'`,
    });

  /** Runs a plan; returns [value, ...extra] (physical) and assigns the next state when asked. */
  let lastProgram: Program | undefined;
  const execute = (p: Plan, axes: AxisMap, tensors: ReadonlyMap<string, tf.Tensor>, update: boolean, state?: ReadonlyMap<string, tf.Tensor>) => {
    const outs = p.program.run(binding(axes, tensors, state));
    lastProgram = p.program;
    if (update)
      p.slots.forEach((slot, i) => {
        const next = materialize(outs[1 + p.extra + i]!, slot.next, axes);
        stateTensor(slot.name, slot.roles, axes);
        stateVars.get(slot.name)!.assign(next);
      });
    return outs.slice(0, 1 + p.extra);
  };

  const shapedLike = (g: tf.Tensor, node: Node, axes: AxisMap, like: tf.Tensor | number): tf.Tensor => {
    const full = materialize(g, node, axes);
    const shape = typeof like === 'number' ? [] : like.shape;
    return full.shape.join() === shape.join() ? full : tf.reshape(full, shape);
  };

  /**
   * What a call hands out is the caller's to dispose. A result can be a tensor the loss owns (a
   * param's variable, a cached constant, the caller's own input: d(A*x)/dx = A), so every result is
   * a fresh handle: tf.clone shares the data (no copy) and the tidy around the call frees the rest.
   * And every result is float32: a comparison lowers to bool (the gradient of gt(x, y) * x is the
   * mask gt(x, y)), which tfjs-webgpu cannot even transpose.
   */
  const yours = (t: tf.Tensor): tf.Tensor => (t.dtype === 'float32' ? tf.clone(t) : toFloat32(t));

  const checkWrt = (wrt: readonly string[]) => {
    for (const name of wrt)
      if (!inputLeaves.has(name)) throw new InputError(`cannot differentiate with respect to '${name}': the inputs are ${names.join(', ')}`);
  };

  const value = (inputs: Readonly<Record<string, InputValue>>, opts: { training?: boolean } = {}) => {
    checks.rethrow();
    return tf.tidy(() => {
      const { axes, tensors } = prepare(inputs, []);
      const [v] = execute(valuePlan, axes, tensors, opts.training ?? false);
      return yours(materialize(v!, expr, axes));
    });
  };

  const valueAndGrad = (
    inputs: Readonly<Record<string, InputValue>>,
    opts: { wrt?: readonly string[]; training?: boolean } = {},
  ): ValueAndGrad => {
    const wrt = opts.wrt ?? defaultWrt;
    checkWrt(wrt);
    checks.rethrow();
    const update = opts.training ?? true;
    return tf.tidy(() => {
      if (mode === 'symbolic') {
        const p = fusedPlan(wrt);
        const { axes, tensors } = prepare(inputs, wrt);
        const [v, ...gs] = execute(p, axes, tensors, update);
        const grads = nameRecord<tf.Tensor>();
        wrt.forEach((name, i) => {
          grads[name] = yours(shapedLike(gs[i]!, inputLeaves.get(name)!, axes, lookupName(inputs, name)!));
        });
        return { value: yours(materialize(v!, expr, axes)), grads };
      }
      const xs = wrt.map((name) => {
        const x = lookupName(inputs, name)!;
        return typeof x === 'number' ? tf.scalar(x) : x;
      });
      const f = (...args: tf.Tensor[]) => {
        const given = Object.assign(nameRecord<InputValue>(), inputs);
        wrt.forEach((name, i) => {
          given[name] = args[i]!;
        });
        const { axes, tensors } = prepare(given, wrt);
        const [v] = execute(valuePlan, axes, tensors, update);
        return materialize(v!, expr, axes);
      };
      const { value: v, grads } = tf.valueAndGrads(f)(xs);
      return { value: yours(v), grads: Object.fromEntries(wrt.map((name, i) => [name, yours(grads[i]!)])) };
    });
  };

  const call = (inputs: Readonly<Record<string, InputValue>>): tf.Tensor => {
    checks.rethrow();
    const recording = tf.engine().state.gradientDepth > 0;
    const update = stateUpdate === 'always' || (stateUpdate === 'recording' && recording);
    const wrt = defaultWrt;
    if (mode === 'autodiff' || wrt.length === 0 || !recording)
      return tf.tidy(() => {
        const { axes, tensors } = prepare(inputs, mode === 'autodiff' ? wrt : []);
        const [v] = execute(valuePlan, axes, tensors, update);
        return yours(materialize(v!, expr, axes));
      });
    const xs = wrt.map((name) => lookupName(inputs, name));
    if (!xs.every((x): x is tf.Tensor => x instanceof tf.Tensor)) {
      tf.tidy(() => {
        prepare(inputs, wrt); // throws the precise message for a missing input
      });
      throw new InputError(`the inputs differentiated (${wrt.join(', ')}) must be tf.Tensors, not numbers`);
    }
    const withGradient = tf.customGrad(((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const given = Object.assign(nameRecord<InputValue>(), inputs);
      wrt.forEach((name, i) => {
        given[name] = args[i] as tf.Tensor;
      });
      const { axes, tensors } = prepare(given, wrt);
      if (expr.roles.length === 0) {
        // scalar loss: value and gradient in one fused graph now; the backward pass scales by dy
        const [v, ...gs] = execute(fusedPlan(wrt), axes, tensors, update);
        save(wrt.map((name, i) => shapedLike(gs[i]!, inputLeaves.get(name)!, axes, lookupName(given, name)!)));
        return { value: yours(v!), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((g) => tf.mul(dy, g)) };
      }
      // non-scalar loss: keep the inputs and the state before this step for the vector-Jacobian product
      const slots = valuePlan.slots.map((s) => s.name);
      const before = slots.map((name) => {
        const slot = valuePlan.slots.find((s) => s.name === name)!;
        return tf.clone(stateTensor(name, slot.roles, axes));
      });
      const [v] = execute(valuePlan, axes, tensors, update);
      const inputNames = [...tensors.keys()];
      save([...inputNames.map((n) => tensors.get(n)!), ...before]);
      return {
        value: yours(materialize(v!, expr, axes)),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const bound = new Map(inputNames.map((n, i) => [n, saved[i]!]));
          bound.set(upstream, dy);
          const state = new Map(slots.map((n, i) => [n, saved[inputNames.length + i]!]));
          const [, ...gs] = execute(vjpPlan(wrt), axes, bound, false, state);
          return wrt.map((name, i) => shapedLike(gs[i]!, inputLeaves.get(name)!, axes, lookupName(given, name)!));
        },
      };
    }) as never) as (...xs: tf.Tensor[]) => tf.Tensor;
    return withGradient(...xs);
  };

  const layersLoss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    if (target === undefined)
      throw new InputError(
        `cannot use this loss as (yTrue, yPred): it has inputs ${names.join(', ')}; name the target with options.target`,
      );
    return call({ [target]: yTrue, [prediction]: yPred }) as tf.Scalar;
  };

  // tfjs-layers shows a loss function by its name (metrics, errors): the loss's own, not 'layersLoss'
  Object.defineProperty(layersLoss, 'name', { value: definition.name ?? 'loss' });
  const api: CompiledLoss = Object.assign(layersLoss, {
    expr,
    layout,
    gradientMode: mode,
    inputNames: names,
    paramNames: [...paramLeaves.keys()],
    stateSlots: valuePlan.slots.map((s) => ({ name: s.name, roles: s.roles })),
    asLayersLoss: () => layersLoss,
    explain: () =>
      lastProgram?.lastRun ?? { backend: tf.getBackend(), path: 'per-op' as const, fusedKernels: 0, reason: 'not called yet' },
    call,
    value,
    valueAndGrad,
    setParams(values: Readonly<Record<string, number>>) {
      // every value is checked before any is set: a refused call changes nothing
      for (const [name, v] of Object.entries(values)) {
        if (!paramVars.has(name))
          throw new InputError(`unknown parameter '${name}': this loss has ${[...paramVars.keys()].join(', ') || 'no parameters'}`);
        if (!Number.isFinite(v)) throw new InputError(`parameter '${name}' must be a finite number, got ${v}`);
      }
      checkParamValues(paramRules, values);
      for (const [name, v] of Object.entries(values)) {
        tf.tidy(() => paramVars.get(name)!.assign(tf.scalar(v)));
        paramValues.set(name, v);
      }
    },
    // from the host copy: no read from the device
    getParams: () => Object.fromEntries(paramValues),
    getState: () => Object.fromEntries([...stateVars].map(([name, v]) => [name, tf.clone(v)])),
    setState(values: Readonly<Record<string, tf.Tensor>>) {
      for (const [name, t] of Object.entries(values)) {
        if (!valuePlan.slots.some((s) => s.name === name))
          throw new InputError(`unknown state slot '${name}': this loss has ${valuePlan.slots.map((s) => s.name).join(', ') || 'no state'}`);
        const existing = stateVars.get(name);
        if (existing && existing.shape.join() === t.shape.join()) existing.assign(t);
        else {
          existing?.dispose();
          stateVars.set(name, tf.variable(t, false));
        }
      }
    },
    sync: () => checks.settle(),
    reset() {
      for (const v of stateVars.values()) v.dispose();
      stateVars.clear();
    },
    dispose() {
      for (const t of [...paramVars.values(), ...stateVars.values(), ...scalars.values(), ...vectors.values()]) t.dispose();
      paramVars.clear();
      stateVars.clear();
      scalars.clear();
      vectors.clear();
    },
  });
  return api;
}
