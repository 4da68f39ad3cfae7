import type { ConfusionMatrix, Loss } from '@losskit/core';
import type { Batch } from '../datasets/dataset.js';

export type ModelKind = 'unet' | 'fcn';
export type BackendName = 'onnx' | 'tfjs';


export interface SessionSpec {
  readonly model: ModelKind;
  readonly numClasses: number;
  readonly imageSize: number;
  /** Base filter count of the network (doubled at each level down). */
  readonly width: number;
  /** U-Net poolings (input sides must be multiples of 2^depth); FCN-8s always pools 5 times. */
  readonly depth: number;
  readonly loss: Loss;
  readonly seed: number;
  readonly learningRate: number;
  /** Intra-op threads for this session (the worker pool keeps workers x threads <= cores). */
  readonly threads: number;
}

/** One model being trained with one loss: the unit a benchmark run drives. */
export interface TrainingSession {
  /** One optimiser step on a batch; returns the loss value before the update. */
  step(batch: Batch): Promise<{ loss: number }>;
  /** Adds the batch's arg-max predictions to the confusion matrix (evaluation mode, no update). */
  evaluate(batch: Batch, confusion: ConfusionMatrix): Promise<void>;
  dispose(): Promise<void>;
}

/** A way of running training steps: ONNX Runtime graphs or TensorFlow.js. */
export interface TrainingBackend {
  readonly name: BackendName;
  /** What is real and what is a stand-in, for the results file and the README. */
  readonly description: string;
  createSession(spec: SessionSpec): Promise<TrainingSession>;
}
