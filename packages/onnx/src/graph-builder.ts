import onnxProto from 'onnx-proto';
import { type OpsetContext, rewriteForOpset } from './opset-rules.js';

const { onnx } = onnxProto;

/**
 * An ONNX tensor element type, as the builder names it.
 *
 * @example
 * ```ts
 * import { GraphBuilder, type OnnxElemType } from '@losskit/onnx';
 * const type: OnnxElemType = 'int64';
 * const labels = new GraphBuilder('g').input('labels', type, ['N', 'H', 'W']);
 * ```
 */
export type OnnxElemType = 'float' | 'double' | 'int64' | 'int32' | 'bool';

/**
 * A constant tensor: an initializer or a TENSOR attribute. `data` is row-major over `dims`.
 *
 * @example
 * ```ts
 * import { GraphBuilder, type TensorInit } from '@losskit/onnx';
 * const weights: TensorInit = { type: 'float', dims: [2, 2], data: [1, 0, 0, 1] };
 * const w = new GraphBuilder('g').initializer('W', weights);
 * ```
 */
export interface TensorInit {
  type: OnnxElemType;
  dims: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
}

/**
 * An attribute value. A plain number is an INT when it is an integer, a FLOAT otherwise — except
 * for attribute names that ONNX always types FLOAT (alpha, beta, epsilon, …, see FLOAT_ATTRIBUTES),
 * so `{ alpha: 1 }` is the float 1.0. `{ float }`, `{ int }`, `{ ints }`, `{ floats }` force the type.
 *
 * @example
 * ```ts
 * import { type AttrValue } from '@losskit/onnx';
 * const axes: AttrValue = { ints: [1] };
 * const alpha: AttrValue = 1; // FLOAT for 'alpha' (see FLOAT_ATTRIBUTES)
 * ```
 */
export type AttrValue =
  | number
  | number[]
  | string
  | { ints: number[] }
  | { floats: number[] }
  | { float: number }
  | { int: number }
  | TensorInit;

/**
 * Options of `GraphBuilder`.
 *
 * @example
 * ```ts
 * import { GraphBuilder, type GraphBuilderOptions } from '@losskit/onnx';
 * const options: GraphBuilderOptions = { opset: 21 };
 * const g = new GraphBuilder('loss', options);
 * ```
 */
export interface GraphBuilderOptions {
  /** ai.onnx opset, 13..26 (onnxruntime 1.30 runs up to 26); nodes are written in that opset's form. */
  opset?: number;
}

/**
 * Options of `GraphBuilder.node`: outputs, name, domain.
 *
 * @example
 * ```ts
 * import { GraphBuilder, type NodeOptions } from '@losskit/onnx';
 * const g = new GraphBuilder('g');
 * const options: NodeOptions = { outputs: 2, name: 'split' };
 * const [a, b] = g.node('Split', [g.input('x', 'float', [4])], { axis: 0, num_outputs: 2 }, options);
 * ```
 */
export interface NodeOptions {
  /** How many outputs the node has (names generated from the node name), or their names. */
  outputs?: number | string[];
  /** Node name hint (made unique); defaults to the op type. */
  name?: string;
  /** Operator domain; '' (ai.onnx) by default. */
  domain?: string;
  /** Shown by Netron next to the node. */
  docString?: string;
}

/**
 * Options of `GraphBuilder.toModel`: documentation and metadata stored in the model.
 *
 * @example
 * ```ts
 * import { GraphBuilder, type ModelOptions } from '@losskit/onnx';
 * const options: ModelOptions = { docString: 'my loss', metadata: { version: '1' } };
 * const g = new GraphBuilder('g');
 * g.output(g.input('x', 'float', [1]), 'float', [1]);
 * const bytes = g.toModel(options);
 * ```
 */
export interface ModelOptions {
  docString?: string;
  metadata?: Record<string, string>;
  producer?: string;
}

/**
 * One emitted node, as recorded by the builder (also used for the readable text form).
 *
 * @example
 * ```ts
 * import { type BuiltNode, GraphBuilder } from '@losskit/onnx';
 * const g = new GraphBuilder('g');
 * const [y] = g.node('Relu', [g.input('x', 'float', [3])]);
 * const recorded: BuiltNode = { name: 'relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: [y!], attrs: {} };
 * ```
 */
export interface BuiltNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/**
 * The ai.onnx opset a `GraphBuilder` targets unless told otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPSET } from '@losskit/onnx';
 * DEFAULT_OPSET; // 18
 * ```
 */
export const DEFAULT_OPSET = 18;
/**
 * The lowest ai.onnx opset the builder accepts: from 13 on, ReduceSum, Split, Squeeze and
 * Unsqueeze take their axes / sizes as inputs, which the builder's rewrites rely on.
 *
 * @example
 * ```ts
 * import { MIN_OPSET } from '@losskit/onnx';
 * MIN_OPSET; // 13
 * ```
 */
export const MIN_OPSET = 13;
/**
 * The highest ai.onnx opset the builder accepts (what onnxruntime 1.30 loads).
 *
 * @example
 * ```ts
 * import { MAX_OPSET } from '@losskit/onnx';
 * MAX_OPSET; // 26
 * ```
 */
export const MAX_OPSET = 26;

const ELEM_TYPES: Record<OnnxElemType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  double: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

/**
 * Attribute names that the ONNX operator schemas type FLOAT even when the value is integral.
 *
 * @example
 * ```ts
 * import { FLOAT_ATTRIBUTES } from '@losskit/onnx';
 * FLOAT_ATTRIBUTES.has('epsilon'); // true: { epsilon: 1 } is written as the float 1.0
 * ```
 */
export const FLOAT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'momentum',
  'lambd',
  'bias',
  'scale',
  'ratio',
  'value_float',
  'spatial_scale',
  'extrapolation_value',
  'cubic_coeff_a',
  'mean',
  'seed',
  'low',
  'high',
]);

/**
 * The IR version written for an opset: the lowest one that declares it (ONNX versioning table);
 * opset 18 → IR 8, 19/20 → IR 9, 21+ → IR 10. onnxruntime-node 1.30 reads up to IR 13.
 *
 * @example
 * ```ts
 * import { irVersionFor } from '@losskit/onnx';
 * irVersionFor(18); // 8
 * irVersionFor(21); // 10
 * ```
 */
export function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 10) return 5;
  if (opset <= 12) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function isTensorInit(value: AttrValue): value is TensorInit {
  return typeof value === 'object' && !Array.isArray(value) && 'dims' in value && 'data' in value;
}

/** Little-endian raw bytes of a tensor, the compact TensorProto encoding. */
function rawBytes(tensor: TensorInit): Uint8Array {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count)
    throw new Error(
      `tensor data has ${tensor.data.length} value(s) but dims [${tensor.dims.join(', ')}] need ${count}`,
    );
  const values = Array.from(tensor.data as ArrayLike<number | bigint>);
  switch (tensor.type) {
    case 'float':
      return new Uint8Array(Float32Array.from(values, Number).buffer);
    case 'double':
      return new Uint8Array(Float64Array.from(values, Number).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values, Number).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
    case 'bool':
      return Uint8Array.from(values, (v) => (Number(v) !== 0 ? 1 : 0));
  }
}

function tensorProto(name: string, tensor: TensorInit): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({
    name,
    dims: tensor.dims,
    dataType: ELEM_TYPES[tensor.type],
    rawData: rawBytes(tensor),
  });
}

function valueInfo(name: string, type: OnnxElemType, shape: readonly (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: ELEM_TYPES[type],
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((d) =>
            typeof d === 'number'
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

const AttributeType = onnx.AttributeProto.AttributeType;

function attributeProto(opType: string, name: string, value: AttrValue) {
  const where = `attribute '${name}' of ${opType}`;
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !FLOAT_ATTRIBUTES.has(name))
      return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value });
  }
  if (Array.isArray(value)) {
    if (value.every(Number.isInteger) && !FLOAT_ATTRIBUTES.has(name))
      return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: value });
  }
  if (isTensorInit(value)) return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t: tensorProto('', value) });
  if ('ints' in value) {
    if (!value.ints.every(Number.isInteger)) throw new Error(`${where}: ints must be integers, got [${value.ints}]`);
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value.ints });
  }
  if ('floats' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: value.floats });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  if ('int' in value) {
    if (!Number.isInteger(value.int)) throw new Error(`${where}: int must be an integer, got ${value.int}`);
    return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value.int });
  }
  throw new Error(`${where}: unsupported value ${JSON.stringify(value)}`);
}

function formatAttr(value: AttrValue): string {
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(',')}]`;
  if (isTensorInit(value)) return `tensor<${value.type}>[${value.dims.join(',')}]`;
  if ('ints' in value) return `[${value.ints.join(',')}]`;
  if ('floats' in value) return `[${value.floats.join(',')}]`;
  if ('float' in value) return String(value.float);
  return String(value.int);
}

/**
 * Builds one ONNX graph node by node and encodes it as a ModelProto. Names are unique in one
 * namespace (values and nodes), constants are deduplicated initializers (no Constant nodes, so
 * `nodeCount()` counts only work), and the model records the opset it was built for.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * const g = new GraphBuilder('double-it');
 * const x = g.input('x', 'float', ['N']);
 * const [y] = g.node('Mul', [x, g.constant(2)]);
 * g.output(y!, 'float', ['N']);
 * const bytes = g.toModel({ producer: 'my-tool' }); // an ONNX ModelProto
 * ```
 */
export class GraphBuilder {
  readonly name: string;
  readonly opset: number;
  /** Value names (inputs, initializers, node outputs). */
  private readonly names = new Set<string>();
  /** Node names: a separate ONNX namespace, so a node and its only output can share a name. */
  private readonly nodeNames = new Set<string>();
  /** firstFree: the suffix each search for a name ended at. */
  private readonly searchedTo = new Map<string, number>();
  private readonly inputs: ReturnType<typeof valueInfo>[] = [];
  private readonly outputs: ReturnType<typeof valueInfo>[] = [];
  private readonly initializers: ReturnType<typeof tensorProto>[] = [];
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly built: BuiltNode[] = [];
  private readonly constants = new Map<string, string>();
  /** The values of each int64 constant, by name (older opsets take some of them as attributes). */
  private readonly intConstants = new Map<string, number[]>();
  private readonly domains = new Set<string>();

  constructor(name: string, options: GraphBuilderOptions = {}) {
    const opset = options.opset ?? DEFAULT_OPSET;
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
      throw new Error(`opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET} (what losskit writes and onnxruntime 1.30 runs), got ${opset}`);
    this.name = name;
    this.opset = opset;
  }

  /** `hint` if unused, else `hint_1`, `hint_2`, …; reserves the name. */
  uniqueName(hint: string): string {
    const base = hint.length > 0 ? hint : 'v';
    const name = this.firstFree(`value:${base}`, base, (n) => this.names.has(n));
    this.names.add(name);
    return name;
  }

  /**
   * `base` if free, else the first free `base_1`, `base_2`, ... Where the last search for the same
   * key ended is remembered (names below it stay taken until a rename frees one, which forgets
   * it), so n values named alike cost O(n), not O(n^2).
   */
  private firstFree(key: string, base: string, taken: (name: string) => boolean): string {
    if (!taken(base)) return base;
    let i = this.searchedTo.get(key) ?? 1;
    while (taken(`${base}_${i}`)) i++;
    this.searchedTo.set(key, i);
    return `${base}_${i}`;
  }

  private claim(name: string, what: string): void {
    if (name.length === 0) throw new Error(`${what} needs a non-empty name`);
    if (this.names.has(name)) throw new Error(`${what} '${name}': the name is already used in graph '${this.name}'`);
    this.names.add(name);
  }

  /** Declares a graph input; a string dimension is symbolic (e.g. 'N'). */
  input(name: string, type: OnnxElemType, shape: (number | string)[]): string {
    this.claim(name, 'input');
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, type: OnnxElemType, shape: (number | string)[]): void {
    if (!this.names.has(name)) throw new Error(`output '${name}' is not a value of graph '${this.name}'`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output '${name}' is declared twice`);
    this.outputs.push(valueInfo(name, type, shape));
  }

  initializer(name: string, tensor: TensorInit): string {
    this.claim(name, 'initializer');
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  private reservedInitializer(name: string, tensor: TensorInit): string {
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  /**
   * A constant tensor (an initializer), shared by every use of the same type, dims and values.
   * A number is a scalar (dims []), an array a vector (dims [length]) unless `dims` says otherwise.
   */
  constant(value: number | readonly number[], type: OnnxElemType = 'float', dims?: number[]): string {
    const data = typeof value === 'number' ? [value] : [...value];
    const shape = dims ?? (typeof value === 'number' ? [] : [data.length]);
    const key = `${type}[${shape.join(',')}]:${data.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`;
    const found = this.constants.get(key);
    if (found !== undefined) return found;
    const text = (v: number) => String(v).replace(/[^0-9a-zA-Z]/g, (c) => (c === '.' ? 'p' : c === '-' ? 'm' : '_'));
    // small constants are named by their values, so the text form reads like the math
    const hint = data.length <= 8 ? `c_${type}_${data.map(text).join('_') || 'empty'}` : `c_${type}_vec${data.length}`;
    const name = this.reservedInitializer(this.uniqueName(hint), { type, dims: shape, data });
    this.constants.set(key, name);
    if (type === 'int64') this.intConstants.set(name, data);
    return name;
  }

  /**
   * Appends a node; returns its output names. An input name '' is an omitted optional input.
   * The node is given in the current ONNX form (axes as inputs, …) and written in the form of
   * the builder's opset (see rewriteForOpset), or refused when that opset cannot say it.
   */
  node(op: string, given: string[], attributes: Record<string, AttrValue> = {}, options: NodeOptions = {}): string[] {
    for (const input of given)
      if (input !== '' && !this.names.has(input)) throw new Error(`${op} node: input '${input}' is not a value of graph '${this.name}'`);
    const written =
      (options.domain ?? '') === '' ? rewriteForOpset(op, given, attributes, this.opsetContext(options.name ?? op)) : undefined;
    const opType = written?.opType ?? op;
    const inputs = written?.inputs ?? given;
    const attrs = written?.attrs ?? attributes;
    const hint = options.name ?? opType;
    const namedOutputs = typeof options.outputs === 'object';
    const name = this.firstFree(`node:${namedOutputs}:${hint}`, hint, (n) => this.nodeNames.has(n) || (this.names.has(n) && !namedOutputs));
    this.nodeNames.add(name);
    const wanted = options.outputs ?? 1;
    const outputs =
      typeof wanted === 'number'
        ? Array.from({ length: wanted }, (_, i) => (wanted === 1 && i === 0 ? this.uniqueName(name) : this.uniqueName(`${name}_${i}`)))
        : wanted.map((o) => {
            this.claim(o, `output of ${opType} node '${name}'`);
            return o;
          });
    const domain = options.domain ?? '';
    if (domain !== '') this.domains.add(domain);
    this.nodes.push(
      onnx.NodeProto.create({
        name,
        opType,
        domain,
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([k, v]) => attributeProto(opType, k, v)),
        ...(options.docString !== undefined ? { docString: options.docString } : {}),
      }),
    );
    this.built.push({ name, opType, domain, inputs, outputs, attrs });
    return outputs;
  }

  private opsetContext(hint: string): OpsetContext {
    return {
      opset: this.opset,
      intsOf: (name) => this.intConstants.get(name),
      ints: (values) => this.constant(values, 'int64'),
      emit: (opType, inputs, attrs = {}) => this.node(opType, inputs, attrs, { name: `${hint}_${opType.toLowerCase()}` })[0]!,
    };
  }

  /**
   * Renames a value produced by a node (e.g. to give a graph output a fixed name). Only values
   * that are not graph inputs, initializers or outputs can be renamed.
   */
  renameValue(from: string, to: string): void {
    const producer = this.nodes.findIndex((n) => (n.output as string[]).includes(from));
    if (producer < 0) throw new Error(`cannot rename '${from}': no node of graph '${this.name}' produces it`);
    if (this.outputs.some((o) => o.name === from)) throw new Error(`cannot rename '${from}': it is already a graph output`);
    this.claim(to, 'renamed value');
    this.names.delete(from);
    this.searchedTo.clear();
    const swap = (list: readonly string[]) => list.map((v) => (v === from ? to : v));
    this.nodes.forEach((n, i) => {
      n.input = swap(n.input as string[]);
      n.output = swap(n.output as string[]);
      const b = this.built[i]!;
      this.built[i] = { ...b, inputs: swap(b.inputs), outputs: swap(b.outputs) };
    });
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  /** The nodes emitted so far, in order. */
  nodeList(): readonly BuiltNode[] {
    return this.built;
  }

  /** Readable text form, one line per node: `out = OpType(in1, in2) {attr=value}`. */
  toText(): string {
    const lines = [`graph ${this.name} (opset ${this.opset})`];
    for (const i of this.inputs) lines.push(`input ${i.name}`);
    for (const n of this.built) {
      const attrs = Object.entries(n.attrs).map(([k, v]) => `${k}=${formatAttr(v)}`);
      lines.push(
        `${n.outputs.join(', ')} = ${n.domain ? `${n.domain}.` : ''}${n.opType}(${n.inputs.join(', ')})${attrs.length > 0 ? ` {${attrs.join(', ')}}` : ''}`,
      );
    }
    for (const o of this.outputs) lines.push(`output ${o.name}`);
    return lines.join('\n');
  }

  /** Encodes the model (ModelProto bytes). */
  toModel(options: ModelOptions = {}): Uint8Array {
    if (this.outputs.length === 0) throw new Error(`graph '${this.name}' has no outputs; declare one with output()`);
    const used = new Set([...this.built.flatMap((n) => n.inputs), ...this.outputs.map((o) => o.name)]);
    const model = onnx.ModelProto.create({
      irVersion: irVersionFor(this.opset),
      producerName: options.producer ?? '@losskit/onnx',
      producerVersion: '0.1.0',
      opsetImport: [
        onnx.OperatorSetIdProto.create({ domain: '', version: this.opset }),
        ...[...this.domains].map((domain) => onnx.OperatorSetIdProto.create({ domain, version: 1 })),
      ],
      ...(options.docString !== undefined ? { docString: options.docString } : {}),
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
        onnx.StringStringEntryProto.create({ key, value }),
      ),
      graph: onnx.GraphProto.create({
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        // initializers no node reads (a constant a rewrite made redundant) are left out
        initializer: this.initializers.filter((t) => used.has(t.name)),
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
