import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { GraphBuilder } from '@losskit/onnx';
import onnxProto from 'onnx-proto';
import { type Model, type ModelConfig, buildNet } from './model.js';
import { bufferInput, parameterInput } from './net.js';
import { Tape } from './tape.js';

const { onnx } = onnxProto;

/**
 * Metadata key under which a checkpoint records what it holds.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_METADATA_KEY } from '@losskit/onnx-train';
 * CHECKPOINT_METADATA_KEY; // 'losskit.onnx-train': the model metadata entry a checkpoint carries
 * ```
 */
export const CHECKPOINT_METADATA_KEY = 'losskit.onnx-train';
/** 2: the checksum covers the whole file (graph, weights, metadata); 1 covered the weights only. */
const FORMAT = 2;

/**
 * Trained values: parameters and batch-norm buffers by name.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { Trainer, type ModelWeights } from '@losskit/onnx-train';
 * const trainer = new Trainer({ model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 }, loss: catalogue.dice() });
 * const weights: ModelWeights = trainer.weights();
 * [...weights.parameters.keys()]; // parameter names
 * ```
 */
export interface ModelWeights {
  readonly parameters: ReadonlyMap<string, Float32Array>;
  readonly buffers: ReadonlyMap<string, Float32Array>;
}

interface CheckpointInfo {
  format: number;
  config: ModelConfig;
  height: number;
  width: number;
  step: number;
  checksum: string;
}

/**
 * A checkpoint is the model's bytes followed by one more metadata entry (protobuf fields may be
 * appended). The entry's checksum is SHA-256 over those model bytes exactly as written, then the
 * entry's JSON with an empty checksum: any changed byte changes it, so a file that loads is the
 * file that was written and runs. (Hashing a re-encoding would miss flips that a lenient decoder
 * reads past but ONNX Runtime refuses, such as a changed wire type.)
 */
function payloadDigest(modelBytes: Uint8Array, infoWithoutChecksum: string): string {
  // @noble/hashes, not node:crypto: checkpoints are read and written in the browser too
  return bytesToHex(sha256.create().update(modelBytes).update(utf8ToBytes(`\n${infoWithoutChecksum}`)).digest());
}

/** The trailing field 14 (metadata_props) holding the checkpoint entry, as bytes. */
const entryBytes = (value: string): Uint8Array =>
  onnx.ModelProto.encode(onnx.ModelProto.create({ metadataProps: [{ key: CHECKPOINT_METADATA_KEY, value }] })).finish();

/**
 * The trained model as a plain inference ONNX model: images ['N', C, H, W] in, `logits` and
 * `probabilities` (softmax over classes) out, weights as initializers, batch norm in inference
 * mode. Height and width are fixed (bilinear layers hold size-specific matrices); the batch is free.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { Trainer, createModel, exportInferenceModel } from '@losskit/onnx-train';
 * const model = createModel({ kind: 'fcn', numClasses: 3 });
 * const trainer = new Trainer({ model, loss: catalogue.dice() });
 * const bytes = exportInferenceModel(model, trainer.weights(), { height: 64, width: 64 });
 * ```
 */
export function exportInferenceModel(
  model: Model,
  weights: ModelWeights,
  size: { height: number; width: number },
  step = 0,
): Uint8Array {
  const { height, width } = size;
  const tape = new Tape(new GraphBuilder(`${model.config.kind}_inference`));
  const images = tape.input('images', [1, model.inChannels, height, width], 'float', ['N', model.inChannels, height, width]);
  const tensor = (data: Float32Array, dims: readonly number[]) => ({ type: 'float' as const, dims: [...dims], data });
  const { logits } = buildNet(
    model,
    tape,
    'eval',
    {
      parameter: (spec) => {
        const data = weights.parameters.get(spec.name);
        if (data === undefined) throw new Error(`export: no value for parameter '${spec.name}'`);
        return tape.builder.initializer(parameterInput(spec.name), tensor(data, spec.shape));
      },
      buffer: (spec) => {
        const data = weights.buffers.get(spec.name);
        if (data === undefined) throw new Error(`export: no value for buffer '${spec.name}'`);
        return tape.builder.initializer(bufferInput(spec.name), tensor(data, spec.shape));
      },
      dropoutMask: () => {
        throw new Error('export: dropout has no mask in evaluation mode');
      },
    },
    images,
  );
  const named = tape.builder.node('Identity', [logits], {}, { outputs: ['logits'] })[0]!;
  const probabilities = tape.builder.node('Softmax', [named], { axis: 1 }, { outputs: ['probabilities'] })[0]!;
  const declared = ['N', model.numClasses, height, width];
  tape.builder.output(named, 'float', declared);
  tape.builder.output(probabilities, 'float', declared);
  if (!(Number.isSafeInteger(step) && step >= 0)) throw new Error(`export: step must be a non-negative integer, got ${step}`);
  const body = tape.builder.toModel({ docString: `${model.config.kind} trained with @losskit/onnx-train`, producer: '@losskit/onnx-train' });
  const info: CheckpointInfo = { format: FORMAT, config: model.config, height, width, step, checksum: '' };
  info.checksum = payloadDigest(body, JSON.stringify(info));
  const entry = entryBytes(JSON.stringify(info));
  const file = new Uint8Array(body.length + entry.length);
  file.set(body);
  file.set(entry, body.length);
  return file;
}

/**
 * A checkpoint that cannot be read: a missing or unreadable file, a model without losskit metadata,
 * metadata or weights that fail their checks, or any changed byte (the checksum covers the whole file).
 *
 * @example
 * ```ts
 * import { CheckpointError, readCheckpoint, createModel } from '@losskit/onnx-train';
 * try {
 *   readCheckpoint(new Uint8Array([1, 2, 3]), 'model.onnx', createModel);
 * } catch (error) {
 *   if (error instanceof CheckpointError) console.error(error.message);
 * }
 * ```
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Reads a checkpoint written by exportInferenceModel: config, size, step and weights. Every field is checked
 * and a SHA-256 over the whole file is verified, so a file that loads is the file that was written.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { createModel, readCheckpoint } from '@losskit/onnx-train';
 * const { model, weights, step } = readCheckpoint(await readFile('unet.onnx'), 'unet.onnx', createModel);
 * ```
 */
export function readCheckpoint(
  bytes: Uint8Array,
  where: string,
  createModel: (config: ModelConfig) => Model,
): { model: Model; weights: ModelWeights; height: number; width: number; step: number } {
  let decoded: InstanceType<typeof onnx.ModelProto>;
  try {
    decoded = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new CheckpointError(
      `checkpoint ${where} is not a readable ONNX model (${(error as Error).message}): the file is truncated or corrupted`,
    );
  }
  const entries = decoded.metadataProps.filter((p) => p.key === CHECKPOINT_METADATA_KEY);
  const entry = entries[0];
  if (entries.length > 1) throw new CheckpointError(`checkpoint ${where} has ${entries.length} '${CHECKPOINT_METADATA_KEY}' entries, expected one (edited)`);
  if (entry?.value == null)
    throw new CheckpointError(
      `checkpoint ${where} has no '${CHECKPOINT_METADATA_KEY}' metadata: it is corrupted or was not written by Trainer.save / exportInferenceModel`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.value);
  } catch {
    throw new CheckpointError(`checkpoint ${where}: its '${CHECKPOINT_METADATA_KEY}' metadata is not valid JSON (corrupted)`);
  }
  const info = checkInfo(parsed, where);
  const tail = entryBytes(entry.value);
  const bodyLength = bytes.length - tail.length;
  if (bodyLength < 0 || tail.some((b, i) => bytes[bodyLength + i] !== b))
    throw new CheckpointError(`checkpoint ${where} is corrupted: its '${CHECKPOINT_METADATA_KEY}' entry is not the last field as written (edited or re-saved by another tool)`);
  const actual = payloadDigest(bytes.subarray(0, bodyLength), JSON.stringify({ ...info, checksum: '' }));
  if (actual !== info.checksum)
    throw new CheckpointError(`checkpoint ${where} is corrupted: its checksum ${actual.slice(0, 16)}... does not match the recorded ${info.checksum.slice(0, 16)}...`);
  let model: Model;
  try {
    model = createModel(info.config);
  } catch (error) {
    throw new CheckpointError(`checkpoint ${where}: its model config is not valid (${(error as Error).message})`);
  }
  const initializers = new Map<string, InstanceType<typeof onnx.TensorProto>>();
  for (const t of decoded.graph?.initializer ?? []) initializers.set(t.name ?? '', onnx.TensorProto.create(t));
  const read = (name: string, shape: readonly number[]): Float32Array => {
    const t = initializers.get(name);
    if (t === undefined) throw new CheckpointError(`checkpoint ${where} is missing the initializer '${name}' (corrupted or edited)`);
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT)
      throw new CheckpointError(`checkpoint ${where}: '${name}' has ONNX data type ${t.dataType}, expected ${onnx.TensorProto.DataType.FLOAT} (float)`);
    const dims = t.dims.map(Number);
    if (dims.length !== shape.length || dims.some((d, i) => d !== shape[i]))
      throw new CheckpointError(`checkpoint ${where}: '${name}' has dims [${dims}], the model needs [${shape}] (corrupted or edited)`);
    const count = shape.reduce((a, b) => a * b, 1);
    const raw = t.rawData;
    if (raw.byteLength > 0 && raw.byteLength !== count * 4)
      throw new CheckpointError(`checkpoint ${where}: '${name}' holds ${raw.byteLength} bytes, shape [${shape}] needs ${count * 4} (corrupted)`);
    const data = raw.byteLength > 0 ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Float32Array.from(t.floatData);
    if (data.length !== count)
      throw new CheckpointError(`checkpoint ${where}: '${name}' holds ${data.length} values, shape [${shape}] needs ${count} (corrupted)`);
    return data;
  };
  const weights: ModelWeights = {
    parameters: new Map(model.parameters.map((p) => [p.name, read(parameterInput(p.name), p.shape)])),
    buffers: new Map(model.buffers.map((b) => [b.name, read(bufferInput(b.name), b.shape)])),
  };
  return { model, weights, height: info.height, width: info.width, step: info.step };
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const positiveInteger = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;

/** The checkpoint entry's fields, each checked: tampered metadata is refused, never half-read. */
function checkInfo(parsed: unknown, where: string): CheckpointInfo {
  const bad = (what: string) => new CheckpointError(`checkpoint ${where}: its '${CHECKPOINT_METADATA_KEY}' metadata ${what} (corrupted or edited)`);
  if (!isRecord(parsed)) throw bad(`is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}, expected an object`);
  const { format, config, height, width, step, checksum } = parsed;
  if (format === 1) throw new CheckpointError(`checkpoint ${where} has format 1 (weights-only checksum), this version reads ${FORMAT}: export it again`);
  if (format !== FORMAT) throw new CheckpointError(`checkpoint ${where} has format ${JSON.stringify(format)}, this version reads ${FORMAT}`);
  if (!isRecord(config) || typeof config.kind !== 'string') throw bad(`has config ${JSON.stringify(config)}, expected { kind: 'unet' | 'fcn', ... }`);
  if (!positiveInteger(height) || !positiveInteger(width)) throw bad(`has size ${JSON.stringify(height)}x${JSON.stringify(width)}, expected positive integers`);
  if (!(Number.isSafeInteger(step) && (step as number) >= 0)) throw bad(`has step ${JSON.stringify(step)}, expected a non-negative integer`);
  if (typeof checksum !== 'string' || !/^[0-9a-f]{64}$/.test(checksum)) throw bad(`has checksum ${JSON.stringify(checksum)}, expected 64 hex digits`);
  return { format, config: config as unknown as ModelConfig, height, width, step: step as number, checksum };
}
