import type { AttrValue, GraphBuilder, OnnxElemType } from '@losskit/onnx';

/**
 * A static tensor shape.
 *
 * @example
 * ```ts
 * import { type Shape, numel } from '@losskit/onnx-train';
 * const shape: Shape = [2, 3, 8, 8];
 * numel(shape); // 384
 * ```
 */
export type Shape = readonly number[];
/**
 * The float type of a tape: float32 or float64 graphs.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { type FloatType, Tape } from '@losskit/onnx-train';
 * const type: FloatType = 'double';
 * const tape = new Tape(new GraphBuilder('checks'), type); // float64, e.g. for gradient checks
 * ```
 */
export type FloatType = Extract<OnnxElemType, 'float' | 'double'>;

/**
 * One differentiable node of the forward pass, as the backward pass reads it.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, type TapeNode } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * tape.op('Relu', [tape.input('x', [3])], [3]);
 * const recorded: TapeNode[] = tape.nodes;
 * ```
 */
export interface TapeNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/**
 * Default im2col budget per conv weight gradient.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { DEFAULT_IM2COL_LIMIT_BYTES, Trainer } from '@losskit/onnx-train';
 * DEFAULT_IM2COL_LIMIT_BYTES; // 64 MiB
 * const lean = new Trainer({ model: { kind: 'unet', numClasses: 2 }, loss: catalogue.dice(), im2colLimitBytes: DEFAULT_IM2COL_LIMIT_BYTES / 4 });
 * ```
 */
export const DEFAULT_IM2COL_LIMIT_BYTES = 64 * 2 ** 20;

/**
 * The number of elements of a shape.
 *
 * @example
 * ```ts
 * import { numel } from '@losskit/onnx-train';
 * numel([2, 3, 4]); // 24
 * ```
 */
export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/**
 * A GraphBuilder plus what backward needs: the static shape of every value and the list of
 * forward nodes in order. Shapes are static (a graph is built for one batch shape), so the
 * backward pass can choose output paddings, split sizes and reshapes at build time.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const x = tape.input('x', [2, 3]);
 * const y = tape.op('Relu', [x], [2, 3]);
 * tape.output(y);
 * const bytes = tape.builder.toModel();
 * ```
 */
export class Tape {
  readonly nodes: TapeNode[] = [];
  private readonly shapes = new Map<string, Shape>();
  private readonly intConstants = new Map<string, number[]>();

  /**
   * Weight gradients of convolutions use an im2col (k² shifted copies of the input) up to this
   * many bytes per conv, and the slower, copy-free dilated-Conv form above it (see gradient-rules.ts).
   */
  readonly im2colLimitBytes: number;

  constructor(
    readonly builder: GraphBuilder,
    readonly type: FloatType = 'float',
    options: { im2colLimitBytes?: number } = {},
  ) {
    this.im2colLimitBytes = options.im2colLimitBytes ?? DEFAULT_IM2COL_LIMIT_BYTES;
  }

  /**
   * A graph input of the tape's float type (or another type) with a static shape; `declared`
   * may name symbolic dimensions in the model (e.g. a free batch size) where nothing depends on them.
   */
  input(name: string, shape: Shape, type: OnnxElemType = this.type, declared?: readonly (number | string)[]): string {
    this.builder.input(name, type, [...(declared ?? shape)]);
    this.shapes.set(name, shape);
    return name;
  }

  output(name: string, type: OnnxElemType = this.type, declared?: readonly (number | string)[]): void {
    this.builder.output(name, type, [...(declared ?? this.shape(name))]);
  }

  shape(name: string): Shape {
    const shape = this.shapes.get(name);
    if (shape === undefined) throw new Error(`no static shape recorded for value '${name}'`);
    return shape;
  }

  setShape(name: string, shape: Shape): string {
    this.shapes.set(name, shape);
    return name;
  }

  /** Emits a forward node and records it for the backward pass. */
  record(opType: string, inputs: string[], attrs: Record<string, AttrValue>, outShapes: Shape[], name?: string): string[] {
    const outputs = this.emit(opType, inputs, attrs, outShapes, name);
    this.nodes.push({ opType, inputs, outputs, attrs });
    return outputs;
  }

  /**
   * Records, without emitting, a node that backward treats as one op whose forward was emitted
   * as several nodes (a fused layer with its own rule, e.g. training-mode batch norm): `outputs`
   * may list saved intermediates after the result, for the rule to read.
   */
  recordComposite(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): void {
    this.nodes.push({ opType, inputs, outputs, attrs });
  }

  /** Emits a node that backward does not differentiate (gradient math, bookkeeping). */
  emit(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outShapes?: Shape[], name?: string): string[] {
    const outputs = this.builder.node(opType, inputs, attrs, {
      outputs: outShapes?.length ?? 1,
      ...(name !== undefined ? { name } : {}),
    });
    if (outShapes !== undefined) for (const [i, o] of outputs.entries()) this.shapes.set(o, outShapes[i]!);
    return outputs;
  }

  /** Single-output `emit` with the output's shape. */
  op(opType: string, inputs: string[], shape: Shape, attrs: Record<string, AttrValue> = {}, name?: string): string {
    return this.emit(opType, inputs, attrs, [shape], name)[0]!;
  }

  /** A float scalar (or tensor) constant of the tape's type, broadcastable against anything. */
  scalar(value: number): string {
    return this.setShape(this.builder.constant(value, this.type), []);
  }

  /** An int64 vector constant (shapes, axes); its values stay readable through `intValues`. */
  ints(values: readonly number[]): string {
    const name = this.builder.constant(values, 'int64');
    this.intConstants.set(name, [...values]);
    return name;
  }

  intValues(name: string): number[] {
    const values = this.intConstants.get(name);
    if (values === undefined) throw new Error(`'${name}' is not an int64 constant made by this tape`);
    return values;
  }
}
