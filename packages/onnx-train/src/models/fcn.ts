import { relu } from '../layers/activation.js';
import { classifierHead, conv2d, convTranspose2d } from '../layers/conv.js';
import { dropout } from '../layers/dropout.js';
import { add } from '../layers/merge.js';
import { maxPool2x2 } from '../layers/pool.js';
import { upsampleBilinear2x } from '../layers/upsample.js';
import type { Net } from '../net.js';
import { convBlock } from './unet.js';

/**
 * An FCN (fully convolutional network) for segmentation: 32s, 16s or 8s skip variant.
 *
 * @example
 * ```ts
 * import { createModel, type FcnConfig } from '@losskit/onnx-train';
 * const config: FcnConfig = { kind: 'fcn', numClasses: 21, variant: '8s', baseWidth: 16 };
 * const model = createModel(config);
 * ```
 */
export interface FcnConfig {
  readonly kind: 'fcn';
  readonly numClasses: number;
  readonly inChannels?: number;
  /** Skip variant: scores fused from stride 32 only, 32+16, or 32+16+8. Default '8s'. */
  readonly variant?: '32s' | '16s' | '8s';
  /** Channels of the first stage; stages use [1, 2, 4, 8, 8] times it. Default 16. */
  readonly baseWidth?: number;
  /** x2 upsampling of the fused scores: fixed bilinear, or a learned 4x4 transposed conv initialized bilinear. Default 'bilinear'. */
  readonly upsampling?: 'bilinear' | 'transposed';
  readonly batchNorm?: boolean;
  /** Dropout rate after the two "fully convolutional" layers. Default 0. */
  readonly dropout?: number;
}

/**
 * An FCN configuration with every default filled in.
 *
 * @example
 * ```ts
 * import { createModel, type ResolvedFcnConfig } from '@losskit/onnx-train';
 * const resolved = createModel({ kind: 'fcn', numClasses: 2 }).config as ResolvedFcnConfig;
 * resolved.variant; // '8s'
 * ```
 */
export type ResolvedFcnConfig = Required<FcnConfig>;

export function resolveFcn(config: FcnConfig): ResolvedFcnConfig {
  return {
    kind: 'fcn',
    numClasses: config.numClasses,
    inChannels: config.inChannels ?? 3,
    variant: config.variant ?? '8s',
    baseWidth: config.baseWidth ?? 16,
    upsampling: config.upsampling ?? 'bilinear',
    batchNorm: config.batchNorm ?? true,
    dropout: config.dropout ?? 0,
  };
}

/**
 * FCN (Long et al. 2015) on a small VGG-like backbone: five stages of 3x3 convs + 2x2 pool
 * (strides 2..32), two conv "fc" layers, a 1x1 score head at stride 32; 16s / 8s add 1x1 score
 * heads on the stride-16 / stride-8 features to the x2-upsampled coarser scores; the fused
 * scores are upsampled to the input size by repeated bilinear x2.
 */
export function fcnForward(config: ResolvedFcnConfig, net: Net, images: string): string {
  const { baseWidth: b, batchNorm: bn, numClasses } = config;
  const widths = [b, 2 * b, 4 * b, 8 * b, 8 * b];
  const pooled: string[] = [];
  let x = images;
  widths.forEach((width, stage) => {
    x = convBlock(net, `stage${stage}`, x, width, bn, stage < 2 ? 1 : 2);
    x = maxPool2x2(net, `stage${stage}.pool`, x);
    pooled.push(x);
  });
  x = convBlock(net, 'fc6', x, 16 * b, bn, 1);
  x = dropout(net, 'fc6.dropout', x, config.dropout);
  x = relu(net, 'fc7.relu', conv2d(net, 'fc7', x, { out: 16 * b, kernel: 1 }));
  x = dropout(net, 'fc7.dropout', x, config.dropout);
  let score = classifierHead(net, 'score32', x, numClasses);
  let factor = 32;
  const up2 = (name: string, s: string) =>
    config.upsampling === 'bilinear'
      ? upsampleBilinear2x(net, name, s)
      : convTranspose2d(net, name, s, { out: numClasses, kernel: 4, stride: 2, padding: 1, bias: false, init: 'bilinear' });
  const skips = config.variant === '32s' ? [] : config.variant === '16s' ? [3] : [3, 2];
  for (const stage of skips) {
    const skipStride = 2 ** (stage + 1);
    score = add(net, `fuse${skipStride}`, up2(`up${skipStride}`, score), classifierHead(net, `score${skipStride}`, pooled[stage]!, numClasses));
    factor = skipStride;
  }
  for (let k = 0; factor > 1; k++, factor /= 2) score = upsampleBilinear2x(net, `final.up${k}`, score);
  return score;
}
