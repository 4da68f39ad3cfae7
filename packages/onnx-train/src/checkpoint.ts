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
const FORMAT = 1;

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

/** FNV-1a (32 bit) over the float bytes of every value in order: detects changed weights. */
function checksum(values: Iterable<Float32Array>): string {
  let h = 0x811c9dc5;
  for (const v of values) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const orderedValues = (model: Model, weights: ModelWeights): Float32Array[] => [
  ...model.parameters.map((p) => weights.parameters.get(p.name)!),
  ...model.buffers.map((b) => weights.buffers.get(b.name)!),
];

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
  const info: CheckpointInfo = {
    format: FORMAT,
    config: model.config,
    height,
    width,
    step,
    checksum: checksum(orderedValues(model, weights)),
  };
  return tape.builder.toModel({
    docString: `${model.config.kind} trained with @losskit/onnx-train`,
    producer: '@losskit/onnx-train',
    metadata: { [CHECKPOINT_METADATA_KEY]: JSON.stringify(info) },
  });
}

/**
 * A checkpoint that cannot be read: a missing or unreadable file, or a model without losskit metadata (names it).
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
 * Reads a checkpoint written by exportInferenceModel: config, size, step and weights (checksum verified).
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
  const entry = decoded.metadataProps.find((p) => p.key === CHECKPOINT_METADATA_KEY);
  if (entry?.value == null)
    throw new CheckpointError(
      `checkpoint ${where} has no '${CHECKPOINT_METADATA_KEY}' metadata: it is corrupted or was not written by Trainer.save / exportInferenceModel`,
    );
  let info: CheckpointInfo;
  try {
    info = JSON.parse(entry.value) as CheckpointInfo;
  } catch {
    throw new CheckpointError(`checkpoint ${where}: its '${CHECKPOINT_METADATA_KEY}' metadata is not valid JSON (corrupted)`);
  }
  if (info.format !== FORMAT) throw new CheckpointError(`checkpoint ${where} has format ${info.format}, this version reads ${FORMAT}`);
  const model = createModel(info.config);
  const initializers = new Map((decoded.graph?.initializer ?? []).map((t) => [t.name ?? '', onnx.TensorProto.create(t)]));
  const read = (name: string, shape: readonly number[]): Float32Array => {
    const t = initializers.get(name);
    if (t === undefined) throw new CheckpointError(`checkpoint ${where} is missing the initializer '${name}' (corrupted or edited)`);
    const count = shape.reduce((a, b) => a * b, 1);
    const raw = t.rawData;
    const data =
      raw.byteLength > 0 ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Float32Array.from(t.floatData);
    if (data.length !== count)
      throw new CheckpointError(`checkpoint ${where}: '${name}' holds ${data.length} values, shape [${shape}] needs ${count} (corrupted)`);
    return data;
  };
  const weights: ModelWeights = {
    parameters: new Map(model.parameters.map((p) => [p.name, read(parameterInput(p.name), p.shape)])),
    buffers: new Map(model.buffers.map((b) => [b.name, read(bufferInput(b.name), b.shape)])),
  };
  const actual = checksum(orderedValues(model, weights));
  if (actual !== info.checksum)
    throw new CheckpointError(`checkpoint ${where} is corrupted: weight checksum ${actual} does not match the recorded ${info.checksum}`);
  return { model, weights, height: info.height, width: info.width, step: info.step };
}
