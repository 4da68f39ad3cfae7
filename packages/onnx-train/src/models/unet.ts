import { relu } from '../layers/activation.js';
import { batchNorm } from '../layers/batch-norm.js';
import { classifierHead, conv2d, convTranspose2d } from '../layers/conv.js';
import { dropout } from '../layers/dropout.js';
import { concat } from '../layers/merge.js';
import { maxPool2x2 } from '../layers/pool.js';
import { upsampleBilinear2x, upsampleNearest2x } from '../layers/upsample.js';
import type { Net } from '../net.js';

/**
 * A U-Net for segmentation: encoder and decoder levels joined by skip connections.
 *
 * @example
 * ```ts
 * import { createModel, type UNetConfig } from '@losskit/onnx-train';
 * const config: UNetConfig = { kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16, dropout: 0.2 };
 * const model = createModel(config);
 * ```
 */
export interface UNetConfig {
  readonly kind: 'unet';
  readonly numClasses: number;
  readonly inChannels?: number;
  /** Number of 2x2 poolings (encoder levels); input sides must be multiples of 2^depth. Default 3. */
  readonly depth?: number;
  /** Channels of the first level, doubled at each level. Default 16. */
  readonly baseWidth?: number;
  /** Decoder upsampling: learned 2x2 transposed conv, or fixed nearest / bilinear x2 then a 3x3 conv. Default 'transposed'. */
  readonly upsampling?: 'transposed' | 'nearest' | 'bilinear';
  /** Batch norm after each 3x3 conv (then the conv has no bias). Default true. */
  readonly batchNorm?: boolean;
  /** Dropout rate at the bottleneck. Default 0. */
  readonly dropout?: number;
}

/**
 * A U-Net configuration with every default filled in.
 *
 * @example
 * ```ts
 * import { createModel, type ResolvedUNetConfig } from '@losskit/onnx-train';
 * const resolved = createModel({ kind: 'unet', numClasses: 2 }).config as ResolvedUNetConfig;
 * resolved.depth; // 3
 * ```
 */
export type ResolvedUNetConfig = Required<UNetConfig>;

export function resolveUNet(config: UNetConfig): ResolvedUNetConfig {
  return {
    kind: 'unet',
    numClasses: config.numClasses,
    inChannels: config.inChannels ?? 3,
    depth: config.depth ?? 3,
    baseWidth: config.baseWidth ?? 16,
    upsampling: config.upsampling ?? 'transposed',
    batchNorm: config.batchNorm ?? true,
    dropout: config.dropout ?? 0,
  };
}

/** (3x3 conv -> [batch norm] -> ReLU) twice. */
export function convBlock(net: Net, name: string, x: string, width: number, batchNormOn: boolean, convs = 2): string {
  let y = x;
  for (let i = 1; i <= convs; i++) {
    y = conv2d(net, `${name}.conv${i}`, y, { out: width, kernel: 3, bias: !batchNormOn });
    if (batchNormOn) y = batchNorm(net, `${name}.bn${i}`, y);
    y = relu(net, `${name}.relu${i}`, y);
  }
  return y;
}

/**
 * U-Net (Ronneberger et al. 2015), same-padded: encoder levels of two 3x3 convs and a 2x2
 * max-pool, a bottleneck, decoder levels that upsample x2, concatenate the skip and apply two
 * 3x3 convs, and a 1x1 head to class logits.
 */
export function unetForward(config: ResolvedUNetConfig, net: Net, images: string): string {
  const { depth, baseWidth, batchNorm: bn } = config;
  const width = (level: number) => baseWidth * 2 ** level;
  const skips: string[] = [];
  let x = images;
  for (let level = 0; level < depth; level++) {
    x = convBlock(net, `enc${level}`, x, width(level), bn);
    skips.push(x);
    x = maxPool2x2(net, `enc${level}.pool`, x);
  }
  x = convBlock(net, 'bottleneck', x, width(depth), bn);
  x = dropout(net, 'bottleneck.dropout', x, config.dropout);
  for (let level = depth - 1; level >= 0; level--) {
    const name = `dec${level}`;
    let up: string;
    if (config.upsampling === 'transposed') up = convTranspose2d(net, `${name}.up`, x, { out: width(level), kernel: 2, stride: 2 });
    else {
      const resized = config.upsampling === 'nearest' ? upsampleNearest2x(net, `${name}.resize`, x) : upsampleBilinear2x(net, `${name}.resize`, x);
      up = conv2d(net, `${name}.up`, resized, { out: width(level), kernel: 3 });
    }
    x = concat(net, `${name}.concat`, [skips[level]!, up]);
    x = convBlock(net, name, x, width(level), bn);
  }
  return classifierHead(net, 'head', x, config.numClasses);
}
