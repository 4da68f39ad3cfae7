import type * as tfjs from '@tensorflow/tfjs';
import type { ModelWeights } from '../src/checkpoint.js';
import type { ResolvedModelConfig } from '../src/model.js';

type Tf = typeof tfjs;
type SymbolicTensor = tfjs.SymbolicTensor;

/** One tfjs layer standing for one named layer of the ONNX model, and how its weights map. */
interface MappedLayer {
  readonly layer: tfjs.layers.Layer;
  /** 'conv': [O,I,k,k] <-> [k,k,I,O]; 'convTranspose': [I,O,k,k] <-> [k,k,O,I]; 'bn': gamma, beta (+ running stats). */
  readonly kind: 'conv' | 'convTranspose' | 'bn';
  readonly bias: boolean;
}

export interface TfjsModel {
  readonly model: tfjs.LayersModel;
  readonly layers: ReadonlyMap<string, MappedLayer>;
}

/** [O, I, kh, kw] (ONNX Conv) -> [kh, kw, I, O] (tfjs conv2d), or [I, O, kh, kw] -> [kh, kw, O, I] (conv2dTranspose). */
function toTfjsKernel(data: Float32Array, shape: readonly number[]): Float32Array {
  const [a, b, kh, kw] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * b + j) * a + i] = data[((i * b + j) * kh + y) * kw + x]!;
  return out;
}

/** Inverse of toTfjsKernel: tfjs [kh, kw, B, A] back to ONNX [A, B, kh, kw]. */
function fromTfjsKernel(data: Float32Array, shape: readonly number[]): Float32Array {
  const [a, b, kh, kw] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((i * b + j) * kh + y) * kw + x] = data[((y * kw + x) * b + j) * a + i]!;
  return out;
}

const tfName = (name: string) => name.replace(/\./g, '_');

/**
 * The same network in tfjs-layers (NHWC): U-Net with transposed-conv upsampling, or FCN with
 * bilinear upsampling (tfjs upSampling2d; its bilinear sampling differs from the ONNX model's
 * half-pixel one at the borders, so FCN is for timing only). Layer names follow the ONNX model.
 */
export function buildTfjsModel(tf: Tf, config: ResolvedModelConfig, height: number, width: number): TfjsModel {
  const layers = new Map<string, MappedLayer>();
  const conv = (name: string, x: SymbolicTensor, filters: number, kernel: number, bias: boolean) => {
    const layer = tf.layers.conv2d({ filters, kernelSize: kernel, padding: 'same', useBias: bias, name: tfName(name) });
    layers.set(name, { layer, kind: 'conv', bias });
    return layer.apply(x) as SymbolicTensor;
  };
  const bn = (name: string, x: SymbolicTensor) => {
    const layer = tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name: tfName(name) });
    layers.set(name, { layer, kind: 'bn', bias: false });
    return layer.apply(x) as SymbolicTensor;
  };
  const relu = (x: SymbolicTensor) => tf.layers.reLU().apply(x) as SymbolicTensor;
  const pool = (x: SymbolicTensor) => tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as SymbolicTensor;
  const block = (name: string, x: SymbolicTensor, width_: number, convs = 2) => {
    let y = x;
    for (let i = 1; i <= convs; i++) {
      y = conv(`${name}.conv${i}`, y, width_, 3, !config.batchNorm);
      if (config.batchNorm) y = bn(`${name}.bn${i}`, y);
      y = relu(y);
    }
    return y;
  };
  const input = tf.input({ shape: [height, width, config.inChannels] });
  let logits: SymbolicTensor;
  if (config.kind === 'unet') {
    if (config.upsampling !== 'transposed' || config.dropout > 0)
      throw new Error('the tfjs U-Net mirrors transposed-conv upsampling without dropout only');
    const w = (level: number) => config.baseWidth * 2 ** level;
    const skips: SymbolicTensor[] = [];
    let x = input;
    for (let level = 0; level < config.depth; level++) {
      x = block(`enc${level}`, x, w(level));
      skips.push(x);
      x = pool(x);
    }
    x = block('bottleneck', x, w(config.depth));
    for (let level = config.depth - 1; level >= 0; level--) {
      const name = `dec${level}.up`;
      const layer = tf.layers.conv2dTranspose({ filters: w(level), kernelSize: 2, strides: 2, padding: 'valid', name: tfName(name) });
      layers.set(name, { layer, kind: 'convTranspose', bias: true });
      const up = layer.apply(x) as SymbolicTensor;
      x = tf.layers.concatenate({ axis: -1 }).apply([skips[level]!, up]) as SymbolicTensor;
      x = block(`dec${level}`, x, w(level));
    }
    logits = conv('head', x, config.numClasses, 1, true);
  } else {
    const b = config.baseWidth;
    const pooled: SymbolicTensor[] = [];
    let x = input;
    [b, 2 * b, 4 * b, 8 * b, 8 * b].forEach((width_, stage) => {
      x = pool(block(`stage${stage}`, x, width_, stage < 2 ? 1 : 2));
      pooled.push(x);
    });
    x = block('fc6', x, 16 * b, 1);
    x = relu(conv('fc7', x, 16 * b, 1, true));
    let score = conv('score32', x, config.numClasses, 1, true);
    let factor = 32;
    const up2 = (s: SymbolicTensor) => tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(s) as SymbolicTensor;
    for (const stage of config.variant === '32s' ? [] : config.variant === '16s' ? [3] : [3, 2]) {
      const stride = 2 ** (stage + 1);
      score = tf.layers.add().apply([up2(score), conv(`score${stride}`, pooled[stage]!, config.numClasses, 1, true)]) as SymbolicTensor;
      factor = stride;
    }
    for (; factor > 1; factor /= 2) score = up2(score);
    logits = score;
  }
  return { model: tf.model({ inputs: input, outputs: logits }), layers };
}

/** Copies ONNX-layout weights into the tfjs layers. */
export function setTfjsWeights(tf: Tf, built: TfjsModel, weights: ModelWeights, shapes: ReadonlyMap<string, readonly number[]>): void {
  const get = (name: string) => {
    const v = weights.parameters.get(name) ?? weights.buffers.get(name);
    if (v === undefined) throw new Error(`no weight '${name}'`);
    return v;
  };
  for (const [name, { layer, kind, bias }] of built.layers) {
    if (kind === 'bn') {
      const c = get(`${name}.gamma`).length;
      layer.setWeights(
        ['gamma', 'beta', 'runningMean', 'runningVar'].map((k) => tf.tensor1d(get(`${name}.${k}`)).reshape([c])),
      );
      continue;
    }
    const shape = shapes.get(`${name}.weight`)!;
    const kernel = toTfjsKernel(get(`${name}.weight`), shape);
    const [a, b, kh, kw] = shape as [number, number, number, number];
    const values: tfjs.Tensor[] = [tf.tensor4d(kernel, [kh, kw, b, a])];
    if (bias) values.push(tf.tensor1d(get(`${name}.bias`)));
    layer.setWeights(values);
  }
}

/** Gradients of tfjs variables back in ONNX parameter names and layouts. */
export function tfjsGradientsByParameter(
  built: TfjsModel,
  grads: Record<string, tfjs.Tensor>,
  shapes: ReadonlyMap<string, readonly number[]>,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, { layer, kind }] of built.layers) {
    for (const w of layer.trainableWeights) {
      const grad = grads[w.name];
      if (grad === undefined) continue;
      const data = grad.dataSync() as Float32Array;
      const part = w.originalName.split('/').at(-1)!;
      if (kind === 'bn') out.set(`${name}.${part}`, Float32Array.from(data));
      else if (part === 'kernel') out.set(`${name}.weight`, fromTfjsKernel(data, shapes.get(`${name}.weight`)!));
      else out.set(`${name}.bias`, Float32Array.from(data));
    }
  }
  return out;
}

/** NCHW -> NHWC. */
export function toNhwc(data: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n!; b++)
    for (let k = 0; k < c!; k++)
      for (let p = 0; p < h! * w!; p++) out[(b * h! * w! + p) * c! + k] = data[(b * c! + k) * h! * w! + p]!;
  return out;
}
