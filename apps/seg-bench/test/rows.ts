import type { ResultRow } from '../src/run/run-spec.js';

/** A results row with made-up scores, for tests of the file and the tables. */
export function fakeRow(overrides: Partial<ResultRow> & { iou?: number } = {}): ResultRow {
  const { iou = 0.5, ...rest } = overrides;
  const scores = { dice: iou + 0.1, f1: iou + 0.1, iou, precision: iou + 0.2, recall: iou + 0.15 };
  return {
    experiment: '1',
    lossName: 'paper.experiment1',
    model: 'unet',
    dataset: 'synthetic',
    backend: 'onnx',
    seed: 1,
    epoch: 1,
    epochs: 1,
    imageSize: 16,
    batchSize: 4,
    trainImages: 8,
    valImages: 4,
    learningRate: 0.003,
    width: 4,
    depth: 2,
    ema: 'literal',
    dataSeed: 0,
    lossSource: 'paper:1',
    loss: 1,
    macro: scores,
    micro: scores,
    pixelAccuracy: iou,
    trainSeconds: 1,
    trainImagesPerSecond: 8,
    ...rest,
  };
}
