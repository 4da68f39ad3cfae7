import type { ConfusionMatrix } from '@losskit/core';
import { Trainer } from '@losskit/onnx-train';
import type { Batch } from '../datasets/dataset.js';
import type { SessionSpec, TrainingBackend, TrainingSession } from './training-backend.js';

/** Training steps as ONNX graphs (forward, loss, backward, Adam) run by ONNX Runtime on CPU. */
export const onnxBackend: TrainingBackend = {
  name: 'onnx',
  description: 'ONNX Runtime (CPU): @losskit/onnx-train U-Net / FCN-8s, whole Adam training step as one ONNX graph',
  async createSession(spec) {
    return new OnnxSession(spec);
  },
};

class OnnxSession implements TrainingSession {
  private readonly trainer: Trainer;

  constructor(spec: SessionSpec) {
    this.trainer = new Trainer({
      model:
        spec.model === 'unet'
          ? { kind: 'unet', numClasses: spec.numClasses, depth: spec.depth, baseWidth: spec.width }
          : { kind: 'fcn', numClasses: spec.numClasses, baseWidth: spec.width },
      loss: spec.loss,
      optimizer: { kind: 'adam' },
      learningRate: spec.learningRate,
      seed: spec.seed,
      threads: spec.threads,
    });
  }

  async step(batch: Batch): Promise<{ loss: number }> {
    const { loss } = await this.trainer.step(toTrainerBatch(batch));
    return { loss };
  }

  async evaluate(batch: Batch, confusion: ConfusionMatrix): Promise<void> {
    const counts = await this.trainer.evaluate(toTrainerBatch(batch));
    const c = confusion.numClasses;
    counts.forEach((row, truth) => {
      row.forEach((count, predicted) => {
        confusion.counts[truth * c + predicted]! += count;
      });
    });
  }

  async dispose(): Promise<void> {
    await this.trainer.release();
  }
}

const toTrainerBatch = (batch: Batch) => ({
  images: batch.images,
  labels: batch.labels,
  shape: [batch.size, 3, batch.height, batch.width] as const,
});
