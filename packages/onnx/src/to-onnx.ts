import {
  type Node,
  type Role,
  type Roles,
  formatRoles,
  gradient,
  includesRoles,
  lookupName,
  lowerState,
  print,
  sameRoles,
  postOrder,
  simplify,
  topoSort,
} from '@losskit/core';
import { GraphBuilder } from './graph-builder.js';
import { type Layout, type LayoutName, axesOf, makeLayout, physicalShape } from './layout.js';
import {
  type ClassNormalization,
  type ClassStats,
  LOWERINGS,
  type Lowered,
  type LoweringContext,
  loweredArgs,
} from './lowerings.js';
import { prepareLean } from './lean-rewrites.js';
import { type RewriteFacts, prepareForLowering } from './rewrites.js';

/**
 * The opset a loss graph is emitted at unless `opset` says otherwise (13 to 26 are valid, see MIN_OPSET / MAX_OPSET).
 *
 * @example
 * ```ts
 * import { LOSS_OPSET } from '@losskit/onnx';
 * LOSS_OPSET; // 18
 * ```
 */
export const LOSS_OPSET = 18;

/**
 * A scalar loss expression, or a catalogue Loss (its `expr`, with its param defaults).
 *
 * @example
 * ```ts
 * import { input, mean, square } from '@losskit/core';
 * import { type LossLike, toOnnx } from '@losskit/onnx';
 * const loss: LossLike = { name: 'meanSquare', expr: mean(square(input('pred'))) };
 * const model = toOnnx(loss);
 * ```
 */
export interface LossLike {
  readonly name?: string;
  readonly expr: Node;
  readonly params?: Readonly<Record<string, number>>;
  /** Declared input domains ('onehot', 'labels', …), used when `assumeInputDomains` is on. */
  readonly inputs?: Readonly<Record<string, { readonly domain: string }>>;
}

/**
 * Options of `toOnnx`.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { toOnnx, type ToOnnxOptions } from '@losskit/onnx';
 * const options: ToOnnxOptions = { gradients: ['pred'], layout: 'NHWC', sizes: { class: 3 } };
 * const model = toOnnx(catalogue.dice(), options);
 * ```
 */
export interface ToOnnxOptions {
  /** Inputs (or params) to emit `grad_<name>` outputs for; `true`: every input. Default none. */
  gradients?: readonly string[] | boolean;
  /** Physical layout: NCHW (default, class axis 1) or NHWC (class axis last). */
  layout?: LayoutName;
  /** Number of spatial axes (2 for [N, C, H, W], default). */
  spatialRank?: number;
  /** Static sizes: fixed input dimensions, and size() nodes become constants. */
  sizes?: { batch?: number; class?: number; spatial?: readonly number[] };
  /** Graph name (default: the loss name, or 'loss'). */
  name?: string;
  /** Simplify the loss before lowering (default true; the gradient is always simplified). */
  simplify?: boolean;
  /** Softmax / LogSoftmax: 'decompose' (default, faster on ORT CPU) or 'native' ONNX ops. */
  classNormalization?: ClassNormalization;
  /**
   * Use the declared input domains of a Loss (default true): a 'onehot' input, and a 'labels'
   * input compared with the class indices 0..C-1, sum to 1 over class, which drops a class
   * reduction from cross-entropy gradients. Off: only the graph itself is used.
   */
  assumeInputDomains?: boolean;
  /** Apply LOWERING_REWRITES before lowering (default true). */
  rewrite?: boolean;
  /**
   * Also apply LEAN_REWRITES (default true; needs `rewrite`): drop the negations, selects and
   * constant chains the symbolic gradient leaves, where that makes the graph cheaper.
   */
  lean?: boolean;
  /** ai.onnx opset, 13 to 26 (default LOSS_OPSET); the graph is valid at the opset it declares. */
  opset?: number;
}

/**
 * What a graph input holds: a tensor input, a scalar param, or EMA state.
 *
 * @example
 * ```ts
 * import { paperExperiments } from '@losskit/core';
 * import { type GraphInputKind, toOnnx } from '@losskit/onnx';
 * const kind: GraphInputKind = 'param';
 * const params = toOnnx(paperExperiments[0]!.build()).inputs.filter((i) => i.kind === kind);
 * ```
 */
export type GraphInputKind = 'input' | 'param' | 'state';
/**
 * One graph input of an exported loss: its ONNX name, what it is (input, param, state), roles and shape.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { toOnnx, type GraphInputInfo } from '@losskit/onnx';
 * const inputs: readonly GraphInputInfo[] = toOnnx(catalogue.dice()).inputs;
 * inputs.map((i) => `${i.name}: ${i.kind} [${i.shape}]`); // ['pred: input [N,C,H,W]', 'target: input [N,C,H,W]']
 * ```
 */
export interface GraphInputInfo {
  /** The ONNX graph input name. */
  readonly name: string;
  readonly kind: GraphInputKind;
  /** The core leaf name (input, param or state slot). */
  readonly source: string;
  readonly roles: Roles;
  /** ONNX shape: numbers, symbolic names, 1 for roles the value lacks; [] for scalars. */
  readonly shape: readonly (number | string)[];
  /** Params: the value used when a run binds none. */
  readonly default?: number;
}

/**
 * What a graph output holds: the loss, a gradient, or the next EMA state.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type GraphOutputKind, toOnnx } from '@losskit/onnx';
 * const kind: GraphOutputKind = 'gradient';
 * const grads = toOnnx(catalogue.l2(), { gradients: true }).outputs.filter((o) => o.kind === kind);
 * ```
 */
export type GraphOutputKind = 'loss' | 'gradient' | 'state';
/**
 * One graph output of an exported loss: the loss, a gradient, or a next state.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { toOnnx, type GraphOutputInfo } from '@losskit/onnx';
 * const outputs: readonly GraphOutputInfo[] = toOnnx(catalogue.dice(), { gradients: ['pred'] }).outputs;
 * outputs.map((o) => o.name); // ['loss', 'grad_pred']
 * ```
 */
export interface GraphOutputInfo {
  readonly name: string;
  readonly kind: GraphOutputKind;
  /** gradient: the input differentiated against; state: the slot. */
  readonly source: string;
  readonly roles: Roles;
  readonly shape: readonly (number | string)[];
}

/**
 * An exported loss: the model bytes and what its inputs and outputs are.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type OnnxLoss, toOnnx } from '@losskit/onnx';
 * const model: OnnxLoss = toOnnx(catalogue.focal(), { gradients: ['pred'] });
 * console.log(model.nodeCount, model.formula);
 * console.log(model.text); // one line per ONNX node
 * ```
 */
export interface OnnxLoss {
  /** The ModelProto bytes. */
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly opset: number;
  readonly layout: Layout;
  readonly inputs: readonly GraphInputInfo[];
  readonly outputs: readonly GraphOutputInfo[];
  /** ONNX nodes emitted (constants are initializers and not counted). */
  readonly nodeCount: number;
  /** Readable text form, one line per node. */
  readonly text: string;
  /** The loss formula (core `print` when available). */
  readonly formula: string;
}

/**
 * Graph-input name of a state slot and graph-output name of its next value.
 *
 * @example
 * ```ts
 * import { stateInputName } from '@losskit/onnx';
 * stateInputName('paper.ema.mean'); // 'state.paper.ema.mean'
 * ```
 */
export const stateInputName = (slot: string): string => `state.${slot}`;
/**
 * The graph output name of the next value of an EMA slot.
 *
 * @example
 * ```ts
 * import { nextStateOutputName } from '@losskit/onnx';
 * nextStateOutputName('paper.ema.mean'); // 'next_state.paper.ema.mean'
 * ```
 */
export const nextStateOutputName = (slot: string): string => `next_state.${slot}`;
/**
 * The graph output name of the gradient with respect to an input.
 *
 * @example
 * ```ts
 * import { gradientOutputName } from '@losskit/onnx';
 * gradientOutputName('pred'); // 'grad_pred'
 * ```
 */
export const gradientOutputName = (input: string): string => `grad_${input}`;
/**
 * The graph output name of the loss value.
 *
 * @example
 * ```ts
 * import { LOSS_OUTPUT } from '@losskit/onnx';
 * LOSS_OUTPUT; // 'loss'
 * ```
 */
export const LOSS_OUTPUT = 'loss';

/**
 * The loss formula for people (core `print`).
 *
 * @example
 * ```ts
 * import { input, mean, square } from '@losskit/core';
 * import { formulaOf } from '@losskit/onnx';
 * formulaOf(mean(square(input('x')))); // 'mean(square(x))'
 * ```
 */
export function formulaOf(node: Node): string {
  return print(node);
}

function isLoss(x: Node | LossLike): x is LossLike {
  return 'expr' in x;
}

/**
 * Compiles a scalar loss to an ONNX model: graph inputs for every input leaf, scalar params
 * (changeable per run) and EMA state slots; outputs `loss`, the requested `grad_<input>`, and
 * `next_state.<slot>`. Value, gradients and state updates are lowered with one memo table over
 * the interned core graph, so each shared subexpression becomes one ONNX node.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { catalogue } from '@losskit/core';
 * import { toOnnx } from '@losskit/onnx';
 * const model = toOnnx(catalogue.dice(), { gradients: ['pred'] });
 * await writeFile('dice.onnx', model.bytes); // loss and d loss / d pred, any ONNX runtime
 * ```
 */
export function toOnnx(source: Node | LossLike, options: ToOnnxOptions = {}): OnnxLoss {
  const expr = isLoss(source) ? source.expr : source;
  const paramDefaults = isLoss(source) ? (source.params ?? {}) : {};
  const name = options.name ?? (isLoss(source) ? source.name : undefined) ?? 'loss';
  const layout = makeLayout(options.layout, options.spatialRank ?? options.sizes?.spatial?.length ?? 2);
  const sizes = options.sizes ?? {};
  if (sizes.spatial && sizes.spatial.length !== layout.spatialRank)
    throw new Error(`sizes.spatial has ${sizes.spatial.length} dims but spatialRank is ${layout.spatialRank}`);

  const lowered = lowerState([expr]);
  const lossRoot = options.simplify === false ? lowered.roots[0]! : simplify(lowered.roots[0]!);
  const slots = lowered.slots;
  const allLeaves = topoSort([lossRoot, ...slots.map((s) => s.next)]);
  const inputLeaves = new Map(allLeaves.filter((n) => n.op === 'input').map((n) => [n.attrs.name!, n]));
  const paramLeaves = new Map(allLeaves.filter((n) => n.op === 'param').map((n) => [n.attrs.name!, n]));

  const wrtNames =
    options.gradients === true ? [...inputLeaves.keys()] : options.gradients === false ? [] : [...(options.gradients ?? [])];
  const wrtNodes = wrtNames.map((w) => {
    const leaf = inputLeaves.get(w) ?? paramLeaves.get(w);
    if (!leaf)
      throw new Error(
        `gradient requested for '${w}', but the loss has no input or param of that name (inputs: ${[...inputLeaves.keys()].join(', ') || 'none'}; params: ${[...paramLeaves.keys()].join(', ') || 'none'})`,
      );
    return leaf;
  });
  const grads = wrtNodes.length > 0 ? gradient(lossRoot, wrtNodes) : [];

  const g = new GraphBuilder(name, { opset: options.opset ?? LOSS_OPSET });
  const original = [lossRoot, ...grads, ...slots.map((s) => s.next)];
  const domains = isLoss(source) && options.assumeInputDomains !== false ? (source.inputs ?? {}) : {};
  const facts = oneHotFacts(domains);
  const roots =
    options.rewrite === false
      ? original
      : options.lean === false
        ? prepareForLowering(original, facts)
        : prepareLean(original, facts);
  const rootOf = (i: number) => roots[i]!;
  const order = topoSort(roots);
  // a per-class constant of length > 1 fixes the class count (any other count fails to broadcast),
  // so it becomes the class dimension of every input
  const classFromConst = order.find(
    (n) => n.op === 'const' && typeof n.attrs.value !== 'number' && (n.attrs.value as readonly number[]).length > 1,
  );
  const classCount = sizes.class ?? (classFromConst ? (classFromConst.attrs.value as readonly number[]).length : undefined);

  // graph inputs, declared up front in a stable order: inputs, params, state
  const inputs: GraphInputInfo[] = [];
  const leafValues = new Map<Node, Lowered>();
  const dimOf = (role: Role, i: number): number | string =>
    (role === 'spatial' ? sizes.spatial?.[i] : role === 'class' ? classCount : sizes[role]) ?? layout.dimNames[role][i]!;
  const declare = (leaf: Node, kind: GraphInputKind, graphName: string, extra: { default?: number } = {}) => {
    const shape = physicalShape(layout, leaf.roles, dimOf);
    g.input(graphName, 'float', shape);
    leafValues.set(leaf, { name: graphName, phys: leaf.roles });
    inputs.push({ name: graphName, kind, source: leaf.attrs.name!, roles: leaf.roles, shape, ...extra });
  };
  const byName = (a: Node, b: Node) => (a.attrs.name! < b.attrs.name! ? -1 : 1);
  const leavesOf = (op: string) => order.filter((n) => n.op === op).sort(byName);
  for (const leaf of leavesOf('input')) declare(leaf, 'input', leaf.attrs.name!);
  for (const leaf of leavesOf('param')) {
    const fallback = lookupName(paramDefaults, leaf.attrs.name!) ?? leaf.attrs.default;
    declare(leaf, 'param', leaf.attrs.name!, fallback === undefined ? {} : { default: fallback });
  }
  for (const leaf of leavesOf('state')) declare(leaf, 'state', stateInputName(leaf.attrs.name!));

  const spatialLeaves = order.filter((n) => (n.op === 'input' || n.op === 'state') && leafValues.has(n));
  const memo = new Map<Node, Lowered>();
  const sizeMemo = new Map<string, Lowered>();
  const boolMemo = new Map<string, string>();
  const classStatsMemo = new Map<string, ClassStats>();
  let current: Node = roots[0]!;

  // the same ONNX op on the same values is emitted once (core nodes differing only in broadcasts
  // lower to identical ONNX nodes)
  const emitted = new Map<string, string>();
  /** Values renamed to graph-output names (see finish). */
  const renamed = new Map<string, string>();
  const emit = (opType: string, ins: string[], attrs: Record<string, number | number[] | { float: number }> = {}, hint?: string) => {
    const key = `${opType}(${ins.join(',')})${JSON.stringify(attrs)}`;
    let out = emitted.get(key);
    if (out === undefined) {
      out = g.node(opType, ins, attrs, { name: hint ?? current.op, docString: describeNode(current) })[0]!;
      emitted.set(key, out);
    }
    return renamed.get(out) ?? out;
  };

  /** The int64 shape pieces of `roles`' axes taken from leaves (or static sizes). */
  const staticSize = (role: Role): number | undefined => {
    if (role === 'spatial') return sizes.spatial?.reduce((a, b) => a * b, 1);
    return role === 'class' ? classCount : sizes[role];
  };
  const sizeOf = (roles: Roles): Lowered => {
    const key = roles.join('+');
    const found = sizeMemo.get(key);
    if (found) return found;
    let result: Lowered;
    const statics = roles.map(staticSize);
    const dynamic = roles.filter((_, i) => statics[i] === undefined);
    const staticProduct = statics.reduce<number>((a, b) => a * (b ?? 1), 1);
    if (dynamic.length === 0) result = { name: g.constant(staticProduct), phys: [] };
    else {
      const exact = spatialLeaves.find((l) => sameRoles(l.roles, dynamic));
      const spanning = spatialLeaves.find((l) => includesRoles(l.roles, dynamic));
      // a leaf whose other roles all have static sizes: its Size divided by their product
      // (Size + Cast + Mul instead of Shape + Gather + ReduceProd + Cast)
      const staticOthers = (l: Node) => l.roles.filter((r) => !dynamic.includes(r)).map(staticSize);
      const sized = spatialLeaves.find((l) => includesRoles(l.roles, dynamic) && staticOthers(l).every((s) => s !== undefined));
      let count: string;
      let divisor = 1;
      if (exact) count = emit('Size', [leafValues.get(exact)!.name]);
      else if (sized) {
        count = emit('Size', [leafValues.get(sized)!.name]);
        divisor = staticOthers(sized).reduce<number>((a, b) => a * (b ?? 1), 1);
      } else if (spanning) {
        // one leaf spans them all: a slice of its shape (contiguous axes) or a gather of it
        const axes = axesOf(layout, dynamic);
        const leaf = leafValues.get(spanning)!.name;
        const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
        const dims = contiguous
          ? emit('Shape', [leaf], { start: axes[0]!, end: axes[axes.length - 1]! + 1 })
          : emit('Gather', [emit('Shape', [leaf]), g.constant(axes, 'int64')], { axis: 0 });
        count = emit('ReduceProd', [dims], { keepdims: 0 });
      } else {
        const pieces = dynamic.map((role) => {
          const leaf = spatialLeaves.find((l) => l.roles.includes(role));
          // a role no leaf spans has size 1 (the reference's default)
          if (!leaf) return g.constant([1], 'int64');
          const axes = layout.axes[role];
          return emit('Shape', [leafValues.get(leaf)!.name], { start: axes[0]!, end: axes[axes.length - 1]! + 1 });
        });
        count = emit('ReduceProd', [pieces.length === 1 ? pieces[0]! : emit('Concat', pieces, { axis: 0 })], { keepdims: 0 });
      }
      let value = emit('Cast', [count], { to: 1 });
      // times staticProduct / divisor, as one exact integer Mul or Div where it is one
      if (divisor % staticProduct === 0) {
        if (divisor !== staticProduct) value = emit('Div', [value, g.constant(divisor / staticProduct)]);
      } else {
        if (divisor !== 1) value = emit('Div', [value, g.constant(divisor)]);
        if (staticProduct !== 1) value = emit('Mul', [value, g.constant(staticProduct)]);
      }
      result = { name: value, phys: [] };
    }
    sizeMemo.set(key, result);
    return result;
  };

  const float = (v: Lowered): string => {
    if (!v.bool) return v.name;
    v.float ??= emit('Cast', [v.name], { to: 1 });
    return v.float;
  };
  const bool = (v: Lowered): string => {
    if (v.bool) return v.name;
    let b = boolMemo.get(v.name);
    if (!b) {
      // Cast float -> bool: nonzero is true, as where() reads its condition
      b = emit('Cast', [v.name], { to: 9 });
      boolMemo.set(v.name, b);
    }
    return b;
  };

  const lower = (node: Node): Lowered => {
    const done = memo.get(node);
    if (done) return done;
    // arguments first, in dependency order (the order the memoized recursion would emit them in),
    // so each node finds its arguments lowered and a deep chain never recurses
    for (const n of postOrder([node], (m) => (memo.has(m) ? [] : loweredArgs(m)))) if (!memo.has(n)) lowerOne(n);
    return memo.get(node)!;
  };
  const lowerOne = (node: Node): void => {
    const args = loweredArgs(node).map((a) => memo.get(a)!);
    const saved = current;
    current = node;
    const ctx: LoweringContext = {
      node,
      args,
      emit,
      float,
      bool,
      constant: (v) => g.constant(v),
      classConstant: (values) => g.constant(values, 'float', physicalShape(layout, ['class'], () => values.length) as number[]),
      axes: (roles) => g.constant(axesOf(layout, roles), 'int64'),
      axesConstant: (values) => (typeof values === 'number' ? g.constant(values, 'int64', []) : g.constant(values, 'int64')),
      lower,
      leaf: (leaf) => {
        const v = leafValues.get(leaf);
        if (!v) throw new Error(`leaf ${leaf.op} '${leaf.attrs.name}' was not declared as a graph input`);
        return v;
      },
      size: sizeOf,
      layout,
      materialize: (v, roles) => (sameRoles(v.phys, roles) ? float(v) : emit('Expand', [float(v), shapeFor(roles)])),
      emitOutputs: (opType, ins, attrs, count) => g.node(opType, ins, attrs, { name: current.op, outputs: count, docString: describeNode(current) }),
      classAxis: layout.axes.class[0]!,
      classNormalization: options.classNormalization ?? 'decompose',
      classStats: (x) => {
        let stats = classStatsMemo.get(x.name);
        if (!stats) {
          const axis = g.constant(layout.axes.class, 'int64');
          const max = emit('ReduceMax', [float(x), axis], { keepdims: 1 }, 'classMax');
          const shifted = emit('Sub', [float(x), max], {}, 'shifted');
          const exp = emit('Exp', [shifted], {}, 'shiftedExp');
          stats = { max, shifted, exp, sum: emit('ReduceSum', [exp, axis], { keepdims: 1 }, 'classSum') };
          classStatsMemo.set(x.name, stats);
        }
        return stats;
      },
    };
    const rule = LOWERINGS[node.op] as (ctx: LoweringContext) => Lowered;
    const result = rule(ctx);
    current = saved;
    memo.set(node, result);
  };

  /** An int64 shape tensor for `roles` in the physical layout (for Expand). */
  const shapeFor = (roles: Roles): string => {
    const exact = spatialLeaves.find((l) => sameRoles(l.roles, roles));
    if (exact) return emit('Shape', [leafValues.get(exact)!.name]);
    const dims = Array.from({ length: layout.rank }, (_, axis) => {
      const role = (Object.keys(layout.axes) as Role[]).find((r) => layout.axes[r].includes(axis))!;
      if (!roles.includes(role)) return g.constant([1], 'int64');
      const known = role === 'spatial' ? sizes.spatial?.[layout.axes.spatial.indexOf(axis)] : role === 'class' ? classCount : sizes[role];
      if (known !== undefined) return g.constant([known], 'int64');
      const leaf = spatialLeaves.find((l) => l.roles.includes(role));
      return leaf ? emit('Shape', [leafValues.get(leaf)!.name], { start: axis, end: axis + 1 }) : g.constant([1], 'int64');
    });
    return emit('Concat', dims, { axis: 0 });
  };

  // after shapeFor: the order ops' lowerings materialize their operands through it
  for (const root of roots) lower(root);

  const outputs: GraphOutputInfo[] = [];
  const finish = (node: Node, outName: string, kind: GraphOutputKind, sourceName: string) => {
    current = node;
    const v = memo.get(node)!;
    let value = renamed.get(float(v)) ?? float(v);
    if (!sameRoles(v.phys, node.roles))
      value =
        node.roles.length === 0
          ? emit('Reshape', [value, g.constant([], 'int64', [0])])
          : emit('Expand', [value, shapeFor(node.roles)]);
    // name the producing node's output after the graph output; a graph input, an initializer
    // or a value that already is an output needs an Identity
    const producedByNode = g.nodeList().some((n) => n.outputs.includes(value));
    if (producedByNode && ![...renamed.values()].includes(value)) {
      g.renameValue(value, outName);
      renamed.set(value, outName);
    } else g.node('Identity', [value], {}, { outputs: [outName], name: outName });
    const shape = physicalShape(layout, node.roles, dimOf);
    g.output(outName, 'float', shape);
    outputs.push({ name: outName, kind, source: sourceName, roles: node.roles, shape });
  };
  finish(rootOf(0), LOSS_OUTPUT, 'loss', name);
  for (const [i, w] of wrtNames.entries()) finish(rootOf(1 + i), gradientOutputName(w), 'gradient', w);
  for (const [i, slot] of slots.entries()) finish(rootOf(1 + grads.length + i), nextStateOutputName(slot.name), 'state', slot.name);

  const formula = formulaOf(expr);
  const bytes = g.toModel({
    docString: `${name}: ${formula}`,
    metadata: {
      formula,
      layout: layout.name,
      inputs: JSON.stringify(inputs.map((i) => ({ name: i.name, kind: i.kind, roles: i.roles, default: i.default }))),
      outputs: JSON.stringify(outputs.map((o) => ({ name: o.name, kind: o.kind, source: o.source }))),
      // which output to feed back as which input on the next run (EMA state)
      'losskit.carried': JSON.stringify(
        Object.fromEntries(outputs.filter((o) => o.kind === 'state').map((o) => [o.name, stateInputName(o.source)])),
      ),
    },
  });
  return { bytes, name, opset: g.opset, layout, inputs, outputs, nodeCount: g.nodeCount(), text: g.toText(), formula };
}

/** One-hot tensors the declared domains vouch for: 'onehot' inputs, and labels == [0, 1, ..., C-1]. */
function oneHotFacts(domains: Readonly<Record<string, { readonly domain: string }>>): RewriteFacts {
  const domainOf = (n: Node) => (n.op === 'input' ? domains[n.attrs.name!]?.domain : undefined);
  const isClassIndices = (n: Node) =>
    n.op === 'const' && Array.isArray(n.attrs.value) && n.attrs.value.every((v: number, i: number) => v === i);
  return {
    isOneHot: (n) => {
      if (n.op === 'input') return domainOf(n) === 'onehot' && n.roles.includes('class');
      if (n.op !== 'eq') return false;
      const [a, b] = n.args as [Node, Node];
      return (domainOf(a) === 'labels' && isClassIndices(b)) || (domainOf(b) === 'labels' && isClassIndices(a));
    },
  };
}

function describeNode(node: Node): string {
  const parts: string[] = [node.op];
  if (node.attrs.roles && node.op !== 'input' && node.op !== 'state') parts.push(`over ${formatRoles(node.attrs.roles)}`);
  if (node.attrs.alpha !== undefined) parts.push(`alpha=${node.attrs.alpha}`);
  parts.push(`-> ${formatRoles(node.roles)}`);
  return parts.join(' ');
}
