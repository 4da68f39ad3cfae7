import { ConfusionMatrix, type Loss } from '@losskit/core';
import type { TrainingBackend } from '../backends/training-backend.js';
import { IGNORE_LABEL, type SegmentationDataset, batchIndices, makeBatch } from '../datasets/dataset.js';
import { createRandom, deriveSeed, permutation } from '../rng.js';
import type { ResultRow, RunSpec } from './run-spec.js';

export interface RunCallbacks {
  onStep?(epoch: number, step: number, steps: number): void;
  /** Called after each epoch; rows for epochs listed in `skipEpochs` are not reported. */
  onRow(row: ResultRow): void;
}

/**
 * Trains one model with one loss for all epochs. Everything random derives from the run seed:
 * initial weights (backend), and the shuffle of each epoch; the data itself is fixed.
 */
export async function trainRun(
  spec: RunSpec,
  loss: Loss,
  dataset: SegmentationDataset,
  backend: TrainingBackend,
  callbacks: RunCallbacks,
): Promise<void> {
  const { settings } = spec;
  const numClasses = dataset.classNames.length;
  const session = await backend.createSession({
    model: spec.model,
    numClasses,
    imageSize: settings.imageSize,
    width: settings.width,
    depth: settings.depth,
    loss,
    seed: spec.seed,
    learningRate: settings.learningRate,
    threads: settings.threads,
  });
  try {
    const valBatches = batchIndices(
      dataset.val.map((_, i) => i),
      settings.batchSize,
    ).map((indices) => makeBatch(dataset.val, indices, settings.imageSize));
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const order = permutation(dataset.train.length, createRandom(deriveSeed(spec.seed, 'shuffle', epoch)));
      const batches = batchIndices(order, settings.batchSize);
      let lossSum = 0;
      const started = performance.now();
      for (const [step, indices] of batches.entries()) {
        const { loss: value } = await session.step(makeBatch(dataset.train, indices, settings.imageSize));
        lossSum += value;
        callbacks.onStep?.(epoch, step + 1, batches.length);
      }
      const trainSeconds = (performance.now() - started) / 1000;
      const confusion = new ConfusionMatrix(numClasses, { ignoreIndex: IGNORE_LABEL });
      for (const batch of valBatches) await session.evaluate(batch, confusion);
      const scores = confusion.metrics();
      const meanLoss = lossSum / batches.length;
      callbacks.onRow({
        experiment: spec.experiment,
        lossName: loss.name,
        model: spec.model,
        dataset: settings.dataset,
        backend: settings.backend,
        seed: spec.seed,
        epoch,
        epochs: settings.epochs,
        imageSize: settings.imageSize,
        batchSize: settings.batchSize,
        trainImages: dataset.train.length,
        valImages: dataset.val.length,
        learningRate: settings.learningRate,
        width: settings.width,
        depth: settings.depth,
        ema: settings.ema,
        dataSeed: settings.dataSeed,
        lossSource: spec.lossSource,
        loss: Number.isFinite(meanLoss) ? meanLoss : null,
        macro: scores.macro,
        micro: scores.micro,
        pixelAccuracy: scores.pixelAccuracy,
        trainSeconds,
        trainImagesPerSecond: dataset.train.length / trainSeconds,
      });
    }
  } finally {
    await session.dispose();
  }
}
