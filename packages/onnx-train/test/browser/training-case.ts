// The training run the browser test makes in Chromium (onnxruntime-web) and repeats in Node
// (onnxruntime-node): same model, loss, optimizer, seed and batches, so the first steps can be
// compared value for value.
import { add, div, input, logSoftmax, mean, mul, neg, softmax, sub, sum } from '@losskit/core';
import { type Batch, type TrainerOptions, shapesBatch } from '../../src/index.js';

const pred = input('pred'); // logits [N, C, H, W]
const target = input('target'); // one-hot [N, C, H, W]
const crossEntropy = mean(neg(sum(mul(target, logSoftmax(pred)), ['class'])));
const p = softmax(pred);
const overlap = sum(mul(p, target), ['batch', 'spatial']);
const dice = sub(1, mean(div(mul(2, overlap), add(sum(p, ['batch', 'spatial']), sum(target, ['batch', 'spatial']), 1))));

/**
 * A small U-Net (depth 2, width 8, batch norm, transposed convs) with CE + soft Dice and SGD with
 * momentum. SGD rather than Adam: Adam's first step is lr * sign(g) where g is tiny, so float32
 * rounding differences between the two runtimes would flip whole updates, not perturb them.
 */
export const TRAINER_OPTIONS: Omit<TrainerOptions, 'providers' | 'threads'> = {
  model: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 },
  loss: add(crossEntropy, dice),
  optimizer: { kind: 'sgd', momentum: 0.9 },
  learningRate: 0.1,
  seed: 0,
};

export const STEPS = 20;
/** Steps whose weights are compared with Node. */
export const PARITY_STEPS = 3;
/** The training batch of step i (synthetic circles and rectangles, 4 images of 32x32). */
export const trainBatch = (i: number): Batch => shapesBatch(4, 32, i);
/** Held-out images for the IoU before and after training. */
export const heldOut = (): Batch => shapesBatch(8, 32, 1000);

/** What the page sends back. */
export interface BrowserRun {
  readonly runtime: string;
  readonly provider: string;
  readonly losses: number[];
  readonly iouBefore: number;
  readonly iouAfter: number;
  /** Parameters after each of the first PARITY_STEPS steps, by name. */
  readonly weights: Record<string, number[]>[];
  readonly milliseconds: number;
}
