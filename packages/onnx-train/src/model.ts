import { GraphBuilder } from '@losskit/onnx';
import { type FcnConfig, type ResolvedFcnConfig, fcnForward, resolveFcn } from './models/fcn.js';
import { type ResolvedUNetConfig, type UNetConfig, resolveUNet, unetForward } from './models/unet.js';
import { type BufferSpec, Net, type NetMode, type NetSources, type ParameterSpec } from './net.js';
import { Tape } from './tape.js';

/**
 * A model to build: a U-Net or an FCN configuration.
 *
 * @example
 * ```ts
 * import { createModel, type ModelConfig } from '@losskit/onnx-train';
 * const config: ModelConfig = { kind: 'fcn', numClasses: 21, variant: '16s' };
 * const model = createModel(config);
 * ```
 */
export type ModelConfig = UNetConfig | FcnConfig;
/**
 * A model configuration with every default filled in.
 *
 * @example
 * ```ts
 * import { createModel, type ResolvedModelConfig } from '@losskit/onnx-train';
 * const resolved: ResolvedModelConfig = createModel({ kind: 'unet', numClasses: 2 }).config;
 * ```
 */
export type ResolvedModelConfig = ResolvedUNetConfig | ResolvedFcnConfig;

/**
 * A segmentation network: NCHW float32 images in, class logits [N, numClasses, H, W] out.
 *
 * @example
 * ```ts
 * import { createModel, type Model } from '@losskit/onnx-train';
 * const model: Model = createModel({ kind: 'unet', numClasses: 3, depth: 2 });
 * model.sizeMultiple; // 4: input sides must be multiples of 2^depth
 * ```
 */
export interface Model {
  readonly config: ResolvedModelConfig;
  readonly numClasses: number;
  readonly inChannels: number;
  /** Input height and width must be multiples of this. */
  readonly sizeMultiple: number;
  readonly parameters: readonly ParameterSpec[];
  readonly buffers: readonly BufferSpec[];
  /** Emits the forward pass on `net` and returns the logits value. */
  forward(net: Net, images: string): string;
}

interface Architecture<C extends ResolvedModelConfig> {
  resolve(config: ModelConfig): C;
  sizeMultiple(config: C): number;
  forward(config: C, net: Net, images: string): string;
}

const ARCHITECTURES: { unet: Architecture<ResolvedUNetConfig>; fcn: Architecture<ResolvedFcnConfig> } = {
  unet: { resolve: (c) => resolveUNet(c as UNetConfig), sizeMultiple: (c) => 2 ** c.depth, forward: unetForward },
  fcn: { resolve: (c) => resolveFcn(c as FcnConfig), sizeMultiple: () => 32, forward: fcnForward },
};

/**
 * Emits the model into a fresh net of the given mode (parameter specs come out of this too).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, buildNet, createModel, inputSources } from '@losskit/onnx-train';
 * const model = createModel({ kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 });
 * const tape = new Tape(new GraphBuilder('forward'));
 * const images = tape.input('images', [1, 3, 16, 16]);
 * const { net, logits } = buildNet(model, tape, 'eval', inputSources(tape), images);
 * ```
 */
export function buildNet(model: Pick<Model, 'forward' | 'inChannels'>, tape: Tape, mode: NetMode, sources: NetSources, images: string): { net: Net; logits: string } {
  const net = new Net(tape, mode, sources);
  return { net, logits: model.forward(net, images) };
}

/**
 * Creates a U-Net or FCN from its config. The parameter list is found by emitting the network
 * once at the smallest valid size (parameter shapes do not depend on the image size).
 *
 * @example
 * ```ts
 * import { createModel, parameterCount } from '@losskit/onnx-train';
 * const unet = createModel({ kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16, upsampling: 'bilinear' });
 * parameterCount(unet);
 * ```
 */
export function createModel(config: ModelConfig): Model {
  const kind = (config as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(ARCHITECTURES, kind))
    throw new Error(`unknown model kind ${JSON.stringify(kind)}: expected 'unet' or 'fcn'`);
  const arch = ARCHITECTURES[kind as ModelConfig['kind']] as Architecture<ResolvedModelConfig>;
  const resolved = arch.resolve(config);
  checkConfig(resolved);
  const sizeMultiple = arch.sizeMultiple(resolved);
  const forward = (net: Net, images: string) => arch.forward(resolved, net, images);
  const tape = new Tape(new GraphBuilder('probe'));
  const images = tape.input('images', [1, resolved.inChannels, sizeMultiple, sizeMultiple]);
  const { net } = buildNet({ forward, inChannels: resolved.inChannels }, tape, 'train', {
    parameter: (spec) => tape.input(`p:${spec.name}`, spec.shape),
    buffer: (spec) => tape.input(`b:${spec.name}`, spec.shape),
    dropoutMask: (spec) => tape.input(`d:${spec.name}`, spec.shape),
  }, images);
  return {
    config: resolved,
    numClasses: resolved.numClasses,
    inChannels: resolved.inChannels,
    sizeMultiple,
    parameters: net.parameters,
    buffers: net.buffers,
    forward,
  };
}

const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;

/** One row per field of a resolved config: the test and what is accepted (configs also come from checkpoint files). */
const CONFIG_RULES: Record<string, { ok: (x: unknown) => boolean; what: string }> = {
  numClasses: { ok: (x) => isInt(x, 2), what: 'an integer >= 2 (softmax over classes)' },
  inChannels: { ok: (x) => isInt(x, 1), what: 'a positive integer' },
  depth: { ok: (x) => isInt(x, 1, 12), what: 'an integer from 1 to 12' },
  baseWidth: { ok: (x) => isInt(x, 1, 4096), what: 'an integer from 1 to 4096' },
  batchNorm: { ok: (x) => typeof x === 'boolean', what: 'true or false' },
  dropout: { ok: (x) => typeof x === 'number' && x >= 0 && x < 1, what: 'a rate in [0, 1)' },
  variant: { ok: (x) => x === '32s' || x === '16s' || x === '8s', what: "'32s', '16s' or '8s'" },
  upsampling: { ok: (x) => x === 'transposed' || x === 'nearest' || x === 'bilinear', what: "'transposed', 'nearest' or 'bilinear'" },
};

function checkConfig(config: ResolvedModelConfig): void {
  for (const [field, value] of Object.entries(config)) {
    if (field === 'kind' || !Object.hasOwn(CONFIG_RULES, field)) continue;
    const rule = CONFIG_RULES[field]!;
    if (!rule.ok(value)) throw new Error(`${config.kind} ${field} must be ${rule.what}, got ${JSON.stringify(value)}`);
  }
  if (config.kind === 'fcn' && (config.upsampling as string) === 'nearest') throw new Error(`fcn upsampling must be 'bilinear' or 'transposed', got 'nearest'`);
}

/**
 * Total number of trainable scalars.
 *
 * @example
 * ```ts
 * import { createModel, parameterCount } from '@losskit/onnx-train';
 * parameterCount(createModel({ kind: 'fcn', numClasses: 21 })); // trainable values
 * ```
 */
export const parameterCount = (model: Model): number =>
  model.parameters.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
