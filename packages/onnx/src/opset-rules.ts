import type { AttrValue } from './graph-builder.js';

/**
 * How one node is written at the opset a graph targets. Graphs are planned in the current form
 * (axes as inputs, Split's num_outputs, Shape's start/end); below the opset where that form
 * appeared, the node is rewritten to the older one, or refused with a message when no older form
 * means the same. ONNX operator changelog: https://onnx.ai/onnx/operators/
 */
export interface OpsetRewrite {
  readonly inputs: string[];
  readonly attrs: Record<string, AttrValue>;
  /** A different op for the node's outputs (Shape start/end -> Shape + Slice). */
  readonly opType?: string;
}

/** What a rule may do besides reading the node: read constants, emit helper nodes. */
export interface OpsetContext {
  readonly opset: number;
  /** The values of an int64 constant made by the builder, or undefined. */
  intsOf(name: string): number[] | undefined;
  /** An int64 vector constant. */
  ints(values: readonly number[]): string;
  /** Emits a helper node and returns its single output. */
  emit(opType: string, inputs: string[], attrs?: Record<string, AttrValue>): string;
}

/** The first ai.onnx opset of each op graphs may use that is newer than the oldest opset the builder accepts. */
const OP_SINCE: Readonly<Record<string, number>> = {
  HardSwish: 14,
  Trilu: 14,
  CastLike: 15,
  Bernoulli: 15,
  GridSample: 16,
  LayerNormalization: 17,
  Col2Im: 18,
  Mish: 18,
  CenterCropPad: 18,
  BitwiseAnd: 18,
  BitwiseOr: 18,
  BitwiseXor: 18,
  BitwiseNot: 18,
  GroupNormalization: 21,
  Gelu: 20,
  AffineGrid: 20,
  RMSNormalization: 23,
  RotaryEmbedding: 23,
  Attention: 23,
  Swish: 24,
  TensorScatter: 24,
};

/** Reductions whose axes became an input (an attribute before): the opset of the change. */
const AXES_INPUT_SINCE: Readonly<Record<string, number>> = {
  ReduceSum: 13,
  ReduceMean: 18,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceProd: 18,
  ReduceL1: 18,
  ReduceL2: 18,
  ReduceLogSum: 18,
  ReduceLogSumExp: 18,
  ReduceSumSquare: 18,
};

/** Attribute values an older opset has no way to say: [op, attribute] -> the opset that needs. */
const ATTRIBUTE_SINCE: Readonly<Record<string, Readonly<Record<string, (value: AttrValue) => number>>>> = {
  // reduction 'add' / 'mul' since 16, 'max' / 'min' since 18
  ScatterElements: { reduction: (v) => (v === 'none' ? 0 : v === 'max' || v === 'min' ? 18 : 16) },
  ScatterND: { reduction: (v) => (v === 'none' ? 0 : v === 'max' || v === 'min' ? 18 : 16) },
  Resize: { antialias: () => 18, axes: () => 18, keep_aspect_ratio_policy: () => 18 },
  Pad: { mode: (v) => (v === 'wrap' ? 19 : 0) },
};

const refuse = (op: string, opset: number, what: string, since: number): never => {
  throw new Error(`${op} ${what} needs opset ${since} or later; this graph targets opset ${opset} (build it at opset ${since}+)`);
};

/**
 * The node as it is written at `ctx.opset`: unchanged when the opset has the current form,
 * rewritten to the older form when one means the same, refused otherwise.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * const g = new GraphBuilder('g', { opset: 17 });
 * const x = g.input('x', 'float', [2, 3]);
 * g.node('ReduceMax', [x, g.constant([1], 'int64')], { keepdims: 0 }); // written as ReduceMax(x) {axes=[1], keepdims=0}
 * ```
 */
export function rewriteForOpset(opType: string, inputs: string[], attrs: Record<string, AttrValue>, ctx: OpsetContext): OpsetRewrite {
  const { opset } = ctx;
  const since = OP_SINCE[opType];
  if (since !== undefined && opset < since) refuse(opType, opset, 'is an ai.onnx op that', since);
  for (const [attr, needs] of Object.entries(ATTRIBUTE_SINCE[opType] ?? {}))
    if (attr in attrs) {
      const at = needs(attrs[attr]!);
      if (opset < at) refuse(opType, opset, `with ${attr}=${JSON.stringify(attrs[attr])}`, at);
    }

  const axesSince = AXES_INPUT_SINCE[opType];
  if (axesSince !== undefined && opset < axesSince) {
    const rest = { ...attrs };
    if ('noop_with_empty_axes' in rest) {
      if (rest.noop_with_empty_axes !== 0) refuse(opType, opset, 'with noop_with_empty_axes=1', axesSince);
      delete rest.noop_with_empty_axes;
    }
    const axesInput = inputs[1];
    if (axesInput === undefined || axesInput === '') return { inputs: inputs.slice(0, 1), attrs: rest };
    const axes = ctx.intsOf(axesInput);
    if (axes === undefined)
      throw new Error(
        `${opType} takes its axes as an attribute below opset ${axesSince}, but its axes input '${axesInput}' is computed, not a constant; this graph targets opset ${opset}`,
      );
    // an empty axes input means "all axes", which the attribute form says by leaving axes out
    return { inputs: inputs.slice(0, 1), attrs: axes.length > 0 ? { ...rest, axes: { ints: axes } } : rest };
  }

  // Split's num_outputs (18): without it, older opsets split into equal parts, one per output
  if (opType === 'Split' && opset < 18 && 'num_outputs' in attrs) {
    const { num_outputs: _, ...rest } = attrs;
    return { inputs, attrs: rest };
  }

  // Shape's start/end (15): the full shape, then a Slice of it
  if (opType === 'Shape' && opset < 15 && ('start' in attrs || 'end' in attrs)) {
    const { start = 0, end, ...rest } = attrs as { start?: number; end?: number };
    const full = ctx.emit('Shape', inputs, rest as Record<string, AttrValue>);
    // INT64_MAX as Slice's end: to the last dimension
    const last = end ?? Number.MAX_SAFE_INTEGER;
    return { opType: 'Slice', inputs: [full, ctx.ints([start]), ctx.ints([last]), ctx.ints([0])], attrs: {} };
  }
  return { inputs, attrs };
}
