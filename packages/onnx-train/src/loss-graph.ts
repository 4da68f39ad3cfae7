import { type AttrValue, type LossLike, type OnnxElemType, type TensorInit, toOnnx } from '@losskit/onnx';
import onnxProto from 'onnx-proto';
import type { Shape, Tape } from './tape.js';

const { onnx } = onnxProto;

/**
 * The values a loss may read, by the domain its input names imply.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, type LossFeeds } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const feeds: LossFeeds = {
 *   pred: tape.input('pred', [1, 2, 4, 4]),
 *   target: tape.input('target', [1, 2, 4, 4]),
 *   labels: tape.input('labels', [1, 1, 4, 4]),
 *   mask: tape.input('mask', [1, 1, 4, 4]),
 * };
 * ```
 */
export interface LossFeeds {
  /** Model output [N, C, H, W] (logits, or probabilities when the loss expects them). */
  readonly pred: string;
  /** One-hot target [N, C, H, W] (all zero at ignored pixels). */
  readonly target: string;
  /** Class indices as float [N, 1, H, W] (255 where ignored). */
  readonly labels: string;
  /** 1 at labelled pixels, 0 at ignored ones [N, 1, H, W]. */
  readonly mask: string;
}

/**
 * A loss spliced into a training graph: its value, d loss / d pred, and its EMA state inputs and outputs.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { catalogue } from '@losskit/core';
 * import { Tape, type EmbeddedLoss, embedLoss } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const [pred, target, labels, mask] = [tape.input('pred', [1, 2, 4, 4]), tape.input('target', [1, 2, 4, 4]), tape.input('labels', [1, 1, 4, 4]), tape.input('mask', [1, 1, 4, 4])];
 * const embedded: EmbeddedLoss = embedLoss(tape, catalogue.dice(), { pred, target, labels, mask }, { batch: 1, classes: 2, height: 4, width: 4 });
 * ```
 */
export interface EmbeddedLoss {
  /** The scalar loss value. */
  readonly loss: string;
  /** d loss / d pred, [N, C, H, W]. */
  readonly dPred: string;
  /** EMA state slots: graph input, next value, shape. */
  readonly state: readonly { slot: string; input: string; next: string; shape: number[] }[];
}

type Long = { toNumber(): number };
const toNumber = (v: number | Long): number => (typeof v === 'number' ? v : v.toNumber());

const ELEM_TYPE: Record<number, OnnxElemType> = { 1: 'float', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'double' };

function tensorOf(proto: onnxProto.onnx.ITensorProto): TensorInit {
  const t = onnx.TensorProto.create(proto);
  const type = ELEM_TYPE[t.dataType];
  if (type === undefined) throw new Error(`loss graph: initializer '${t.name}' has unsupported data type ${t.dataType}`);
  const dims = t.dims.map(toNumber);
  const raw = t.rawData;
  const bytes = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  if (raw.byteLength === 0 && dims.reduce((a, b) => a * b, 1) > 0) {
    const fields: Record<OnnxElemType, () => ArrayLike<number>> = {
      float: () => t.floatData,
      double: () => t.doubleData,
      int32: () => t.int32Data,
      int64: () => t.int64Data.map(toNumber),
      bool: () => t.int32Data,
    };
    return { type, dims, data: fields[type]() };
  }
  const views: Record<OnnxElemType, () => ArrayLike<number> | ArrayLike<bigint>> = {
    float: () => new Float32Array(bytes),
    double: () => new Float64Array(bytes),
    int32: () => new Int32Array(bytes),
    int64: () => new BigInt64Array(bytes),
    bool: () => new Uint8Array(bytes),
  };
  return { type, dims, data: views[type]() };
}

const AttributeType = onnx.AttributeProto.AttributeType;

function attrOf(proto: onnxProto.onnx.IAttributeProto): AttrValue {
  const a = onnx.AttributeProto.create(proto);
  switch (a.type) {
    case AttributeType.FLOAT:
      return { float: a.f };
    case AttributeType.INT:
      return { int: toNumber(a.i) };
    case AttributeType.STRING:
      return new TextDecoder().decode(a.s);
    case AttributeType.INTS:
      return { ints: a.ints.map(toNumber) };
    case AttributeType.FLOATS:
      return { floats: [...a.floats] };
    case AttributeType.TENSOR:
      return tensorOf(a.t!);
    default:
      throw new Error(`loss graph: attribute '${a.name}' has unsupported type ${a.type}`);
  }
}

/**
 * Lowers a core loss with the ONNX loss backend (`toOnnx`, value and d loss/d pred, static sizes)
 * and splices that graph into the training graph: its inputs are bound to the given feeds, its
 * params to constants, its EMA slots to new graph inputs `loss_state:<slot>`; its nodes and
 * constants are re-emitted under fresh names. So any loss the backend compiles trains.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { catalogue } from '@losskit/core';
 * import { Tape, embedLoss } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const [pred, target, labels, mask] = [tape.input('pred', [1, 2, 4, 4]), tape.input('target', [1, 2, 4, 4]), tape.input('labels', [1, 1, 4, 4]), tape.input('mask', [1, 1, 4, 4])];
 * const { loss, dPred } = embedLoss(tape, catalogue.focal(), { pred, target, labels, mask }, { batch: 1, classes: 2, height: 4, width: 4 });
 * ```
 */
export function embedLoss(
  tape: Tape,
  loss: LossLike,
  feeds: LossFeeds,
  sizes: { batch: number; classes: number; height: number; width: number },
  params: Readonly<Record<string, number>> = {},
): EmbeddedLoss {
  if (tape.type !== 'float') throw new Error(`embedLoss: the ONNX loss backend emits float graphs, the tape is ${tape.type}`);
  const compiled = toOnnx(loss, {
    gradients: ['pred'],
    sizes: { batch: sizes.batch, class: sizes.classes, spatial: [sizes.height, sizes.width] },
  });
  const model = onnx.ModelProto.decode(compiled.bytes);
  const graph = model.graph!;
  const names = new Map<string, string>();
  const state: { slot: string; input: string; next: string; shape: number[] }[] = [];
  const bound: Record<string, keyof LossFeeds> = { pred: 'pred', target: 'target', labels: 'labels', mask: 'mask' };

  for (const info of compiled.inputs) {
    const shape = info.shape.map((d) => {
      if (typeof d !== 'number') throw new Error(`loss graph: input '${info.name}' has a symbolic dimension '${d}'`);
      return d;
    });
    if (info.kind === 'input') {
      const feed = bound[info.source];
      if (feed === undefined)
        throw new Error(
          `loss input '${info.source}' cannot be fed by the trainer: it provides ${Object.keys(bound).join(', ')} (pred = model output)`,
        );
      const value = feeds[feed];
      const have = tape.shape(value);
      if (have.length !== shape.length || have.some((d, i) => d !== shape[i]))
        throw new Error(`loss input '${info.source}' expects shape [${shape}], the trainer has [${have}]`);
      names.set(info.name, value);
    } else if (info.kind === 'param') {
      const value = params[info.source] ?? loss.params?.[info.source] ?? info.default;
      if (value === undefined) throw new Error(`loss param '${info.source}' has no default: pass a value for it`);
      names.set(info.name, tape.scalar(value));
    } else {
      const input = tape.input(`loss_state:${info.source}`, shape);
      names.set(info.name, input);
      state.push({ slot: info.source, input, next: '', shape });
    }
  }
  for (const init of graph.initializer ?? []) {
    const t = tensorOf(init);
    names.set(init.name ?? '', tape.builder.constant(Array.from(t.data as ArrayLike<number | bigint>, Number), t.type, t.dims));
  }
  for (const proto of graph.node ?? []) {
    const node = onnx.NodeProto.create(proto);
    const inputs = node.input.map((i) => {
      if (i === '') return '';
      const mapped = names.get(i);
      if (mapped === undefined) throw new Error(`loss graph: node ${node.opType} reads unknown value '${i}'`);
      return mapped;
    });
    const attrs = Object.fromEntries(node.attribute.map((a) => [a.name, attrOf(a)]));
    const outputs = tape.builder.node(node.opType, inputs, attrs, { outputs: node.output.length, name: `loss.${node.opType}` });
    for (const [i, o] of node.output.entries()) names.set(o, outputs[i]!);
  }
  const produced = (name: string) => {
    const value = names.get(name);
    if (value === undefined) throw new Error(`loss graph: output '${name}' was not produced`);
    return value;
  };
  const grad = compiled.outputs.find((o) => o.kind === 'gradient' && o.source === 'pred');
  const lossOut = compiled.outputs.find((o) => o.kind === 'loss');
  if (grad === undefined || lossOut === undefined) throw new Error('loss graph: toOnnx gave no loss or no gradient for pred');
  for (const s of state) {
    const out = compiled.outputs.find((o) => o.kind === 'state' && o.source === s.slot);
    if (out === undefined) throw new Error(`loss graph: no next value for state slot '${s.slot}'`);
    s.next = tape.setShape(produced(out.name), s.shape);
  }
  const predShape: Shape = tape.shape(feeds.pred);
  return { loss: tape.setShape(produced(lossOut.name), []), dPred: tape.setShape(produced(grad.name), predShape), state };
}
