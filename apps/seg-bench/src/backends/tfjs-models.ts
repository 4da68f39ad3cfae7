import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../rng.js';
import type { ModelKind } from './training-backend.js';

export interface ModelSpec {
  readonly imageSize: number;
  readonly numClasses: number;
  /** Filters of the first level, doubled per level down. */
  readonly width: number;
  /** U-Net poolings. */
  readonly depth: number;
  readonly seed: number;
}

type Symbolic = tf.SymbolicTensor;

/**
 * The tfjs twins of @losskit/onnx-train's U-Net and FCN-8s (same layers, widths and skips), so
 * the two backends train the same architecture. Kernels are seeded He-normal: the same seed
 * gives the same initial weights.
 */
class Builder {
  constructor(
    private readonly seed: number,
    private readonly kind: string,
  ) {}

  conv(x: Symbolic, name: string, filters: number, kernel: number, bias: boolean): Symbolic {
    return tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        padding: 'same',
        useBias: bias,
        kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(this.seed, this.kind, name) }),
        name,
      })
      .apply(x) as Symbolic;
  }

  /** (3x3 conv -> batch norm -> ReLU) times convs. */
  block(x: Symbolic, name: string, filters: number, convs = 2): Symbolic {
    let y = x;
    for (let i = 1; i <= convs; i++) {
      y = this.conv(y, `${name}.conv${i}`, filters, 3, false);
      y = tf.layers.batchNormalization({ name: `${name}.bn${i}`, momentum: 0.9, epsilon: 1e-5 }).apply(y) as Symbolic;
      y = tf.layers.reLU({ name: `${name}.relu${i}` }).apply(y) as Symbolic;
    }
    return y;
  }

  pool(x: Symbolic, name: string): Symbolic {
    return tf.layers.maxPooling2d({ poolSize: 2, name }).apply(x) as Symbolic;
  }
}

function unet(spec: ModelSpec): tf.LayersModel {
  const b = new Builder(spec.seed, 'unet');
  const width = (level: number) => spec.width * 2 ** level;
  const input = tf.input({ shape: [spec.imageSize, spec.imageSize, 3] });
  const skips: Symbolic[] = [];
  let x: Symbolic = input;
  for (let level = 0; level < spec.depth; level++) {
    x = b.block(x, `enc${level}`, width(level));
    skips.push(x);
    x = b.pool(x, `enc${level}.pool`);
  }
  x = b.block(x, 'bottleneck', width(spec.depth));
  for (let level = spec.depth - 1; level >= 0; level--) {
    const up = tf.layers
      .conv2dTranspose({
        filters: width(level),
        kernelSize: 2,
        strides: 2,
        kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(spec.seed, 'unet', `dec${level}.up`) }),
        name: `dec${level}.up`,
      })
      .apply(x) as Symbolic;
    x = tf.layers.concatenate({ name: `dec${level}.concat` }).apply([skips[level]!, up]) as Symbolic;
    x = b.block(x, `dec${level}`, width(level));
  }
  return tf.model({ inputs: input, outputs: b.conv(x, 'head', spec.numClasses, 1, true), name: 'unet' });
}

function fcn(spec: ModelSpec): tf.LayersModel {
  const b = new Builder(spec.seed, 'fcn');
  const w = spec.width;
  const input = tf.input({ shape: [spec.imageSize, spec.imageSize, 3] });
  const pooled: Symbolic[] = [];
  let x: Symbolic = input;
  [w, 2 * w, 4 * w, 8 * w, 8 * w].forEach((filters, stage) => {
    x = b.pool(b.block(x, `stage${stage}`, filters, stage < 2 ? 1 : 2), `stage${stage}.pool`);
    pooled.push(x);
  });
  x = b.block(x, 'fc6', 16 * w, 1);
  x = tf.layers.reLU({ name: 'fc7.relu' }).apply(b.conv(x, 'fc7', 16 * w, 1, true)) as Symbolic;
  const up2 = (s: Symbolic, name: string) =>
    tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name }).apply(s) as Symbolic;
  let score = b.conv(x, 'score32', spec.numClasses, 1, true);
  // FCN-8s: fuse the stride-16 and stride-8 scores, then bilinear x2 up to the input size
  for (const [stage, stride] of [
    [3, 16],
    [2, 8],
  ] as const) {
    const skip = b.conv(pooled[stage]!, `score${stride}`, spec.numClasses, 1, true);
    score = tf.layers.add({ name: `fuse${stride}` }).apply([up2(score, `up${stride}`), skip]) as Symbolic;
  }
  for (let k = 0; k < 3; k++) score = up2(score, `final.up${k}`);
  return tf.model({ inputs: input, outputs: score, name: 'fcn' });
}

export const TFJS_MODELS: Record<ModelKind, (spec: ModelSpec) => tf.LayersModel> = { unet, fcn };
