import type { Shape, Tape } from './tape.js';

/**
 * How a parameter's initial values are drawn (see init.ts).
 *
 * @example
 * ```ts
 * import { type InitKind } from '@losskit/onnx-train';
 * const init: InitKind = 'he';
 * ```
 */
export type InitKind = 'he' | 'glorot' | 'zeros' | 'ones' | 'bilinear';

/**
 * A trainable parameter: its name, shape and how it is initialized.
 *
 * @example
 * ```ts
 * import { type ParameterSpec, initialValues } from '@losskit/onnx-train';
 * const spec: ParameterSpec = { name: 'head.weight', shape: [3, 16, 1, 1], init: 'glorot', fanIn: 16, fanOut: 3 };
 * const values = initialValues(spec, 42);
 * ```
 */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitKind;
  /** Inputs and outputs feeding one unit, for He / Glorot scaling. */
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * A non-trained tensor that training updates (batch-norm running statistics).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, batchNorm, type BufferSpec, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * batchNorm(net, 'bn', x);
 * const buffers: BufferSpec[] = net.buffers; // running mean and variance
 * ```
 */
export interface BufferSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: 'zeros' | 'ones';
}

/**
 * A dropout site: in training a mask input of this shape, 0 or 1/(1-rate) per element.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, type DropoutSpec, dropout, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * dropout(net, 'drop', x, 0.3);
 * const sites: DropoutSpec[] = net.dropouts; // one mask input per site
 * ```
 */
export interface DropoutSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly rate: number;
}

/**
 * 'train': batch statistics, dropout on, backward recorded. 'eval': running statistics, no dropout.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, type NetMode, Tape, inputSources } from '@losskit/onnx-train';
 * const mode: NetMode = 'eval';
 * const tape = new Tape(new GraphBuilder('g'));
 * const net = new Net(tape, mode, inputSources(tape));
 * ```
 */
export type NetMode = 'train' | 'eval';

/**
 * Where a net's parameter, buffer and mask values come from: graph inputs, or initializers.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, type NetSources, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const sources: NetSources = inputSources(tape); // parameters, buffers and masks as graph inputs
 * ```
 */
export interface NetSources {
  parameter(spec: ParameterSpec): string;
  buffer(spec: BufferSpec): string;
  dropoutMask(spec: DropoutSpec): string;
}

/**
 * Graph inputs named after the specs: what training and evaluation graphs use.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * ```
 */
export function inputSources(tape: Tape): NetSources {
  return {
    parameter: (spec) => tape.input(parameterInput(spec.name), spec.shape),
    buffer: (spec) => tape.input(bufferInput(spec.name), spec.shape),
    dropoutMask: (spec) => tape.input(dropoutInput(spec.name), spec.shape),
  };
}

export const parameterInput = (name: string): string => `param:${name}`;
export const bufferInput = (name: string): string => `buffer:${name}`;
export const dropoutInput = (name: string): string => `dropout:${name}`;

/**
 * The forward-pass context that layers build on: the tape, the mode, and the registry of
 * parameters, buffers (with their next values in training) and dropout sites, in creation order.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Net, Tape, conv2d, inputSources } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('net'));
 * const net = new Net(tape, 'train', inputSources(tape));
 * const x = tape.input('images', [1, 3, 8, 8]);
 * conv2d(net, 'conv1', x, { out: 4, kernel: 3 });
 * net.parameters.map((p) => p.name); // ['conv1.weight', 'conv1.bias']
 * ```
 */
export class Net {
  readonly parameters: ParameterSpec[] = [];
  readonly buffers: BufferSpec[] = [];
  readonly dropouts: DropoutSpec[] = [];
  /** Parameter name -> graph value. */
  readonly parameterValues = new Map<string, string>();
  /** Buffer name -> its value after this step (training mode). */
  readonly bufferUpdates = new Map<string, string>();
  private readonly names = new Set<string>();

  constructor(
    readonly tape: Tape,
    readonly mode: NetMode,
    private readonly sources: NetSources,
  ) {}

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`layer value '${name}' is defined twice: give each layer its own name`);
    this.names.add(name);
  }

  parameter(name: string, shape: Shape, init: InitKind, fanIn: number, fanOut: number): string {
    this.claim(name);
    const spec: ParameterSpec = { name, shape: [...shape], init, fanIn, fanOut };
    this.parameters.push(spec);
    const value = this.sources.parameter(spec);
    this.tape.setShape(value, shape);
    this.parameterValues.set(name, value);
    return value;
  }

  buffer(name: string, shape: Shape, init: 'zeros' | 'ones'): string {
    this.claim(name);
    const spec: BufferSpec = { name, shape: [...shape], init };
    this.buffers.push(spec);
    return this.tape.setShape(this.sources.buffer(spec), shape);
  }

  dropoutMask(name: string, shape: Shape, rate: number): string {
    this.claim(name);
    const spec: DropoutSpec = { name, shape: [...shape], rate };
    this.dropouts.push(spec);
    return this.tape.setShape(this.sources.dropoutMask(spec), shape);
  }
}
