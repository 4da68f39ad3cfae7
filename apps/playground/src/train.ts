// Trains a small U-Net in the page on the embedded synthetic shapes with the typed loss, on
// onnxruntime-web's wasm execution provider, reporting each step.
import type { Node } from '@losskit/core';
import { type Batch, type OptimizerConfig, Trainer, meanIoU, shapesBatch } from '@losskit/onnx-train';
import * as ort from 'onnxruntime-web';

// One wasm thread: the page trains on the main thread between repaints, and threaded wasm would
// need the bundle to be loadable as a worker script.
ort.env.wasm.numThreads = 1;

export interface TrainSettings {
  readonly loss: Node;
  readonly params: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly learningRate: number;
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
  /** Mean IoU of this step's training batch (before the update). */
  readonly batchIoU: number;
  /** On evaluation steps: mean IoU and predicted logits of the held-out batch. */
  readonly heldOut?: { readonly iou: number; readonly logits: Float32Array };
}

/** The model: a U-Net small enough to train in seconds on one wasm thread. */
export const MODEL = { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 } as const;
/** Held-out images the masks and the held-out IoU are drawn from. */
export const HELD_OUT: Batch = shapesBatch(4, 32, 1000);
const BATCH = 4;
const SIZE = 32;
/** Evaluate the held-out images every this many steps (and after the last). */
const EVAL_EVERY = 5;

const OPTIMIZERS: Record<TrainSettings['optimizer'], OptimizerConfig> = {
  sgd: { kind: 'sgd', momentum: 0.9 },
  adam: { kind: 'adam' },
};

/** Runs the steps; `onStep` sees each one, `shouldStop` is polled between steps. */
export async function train(settings: TrainSettings, onStep: (r: StepReport) => void, shouldStop: () => boolean = () => false): Promise<Trainer> {
  const trainer = new Trainer({
    model: MODEL,
    loss: settings.loss,
    lossParams: settings.params,
    optimizer: OPTIMIZERS[settings.optimizer],
    learningRate: settings.learningRate,
    seed: 0,
    runtime: ort,
    providers: ['wasm'],
  });
  const evaluate = async () => {
    const { logits, confusion } = await trainer.predict(HELD_OUT);
    return { iou: meanIoU(confusion), logits };
  };
  onStep({ step: 0, loss: Number.NaN, batchIoU: Number.NaN, heldOut: await evaluate() });
  for (let step = 1; step <= settings.steps && !shouldStop(); step++) {
    const { loss, confusion } = await trainer.step(shapesBatch(BATCH, SIZE, step));
    const due = step % EVAL_EVERY === 0 || step === settings.steps;
    onStep({ step, loss, batchIoU: meanIoU(confusion), ...(due ? { heldOut: await evaluate() } : {}) });
    // let the page repaint between steps
    await new Promise((ok) => setTimeout(ok, 0));
  }
  return trainer;
}
