import type { BackendName, ModelKind } from '../backends/training-backend.js';
import type { DatasetName } from '../datasets/registry.js';
import type { ClassScores } from '@losskit/core';

/** Where a run's loss comes from; rebuilt inside the worker (expression graphs do not cross processes). */
export type LossRef =
  | { readonly kind: 'paper'; readonly id: number }
  | { readonly kind: 'formula'; readonly text: string }
  | { readonly kind: 'module'; readonly path: string };

/** Settings shared by every run of one invocation. */
export interface RunSettings {
  readonly backend: BackendName;
  readonly dataset: DatasetName;
  readonly dataDir?: string | undefined;
  readonly skipBad: boolean;
  readonly dataSeed: number;
  readonly trainImages: number;
  readonly valImages: number;
  readonly imageSize: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly threads: number;
}

/** One training run: one loss, one model, one seed, all epochs. */
export interface RunSpec {
  /** '1'..'27' for the paper's experiments, 'custom:<name>' for user losses. */
  readonly experiment: string;
  readonly loss: LossRef;
  readonly model: ModelKind;
  readonly seed: number;
  readonly settings: RunSettings;
}

/** One line of the results file: a run's state after one epoch. */
export interface ResultRow {
  readonly experiment: string;
  readonly lossName: string;
  readonly model: ModelKind;
  readonly dataset: DatasetName;
  readonly backend: BackendName;
  readonly seed: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly imageSize: number;
  readonly batchSize: number;
  readonly trainImages: number;
  readonly valImages: number;
  /** Mean training loss over the epoch's steps (null when not finite). */
  readonly loss: number | null;
  /** Validation scores after the epoch: mean over the classes present, and from the summed counts. */
  readonly macro: ClassScores;
  readonly micro: ClassScores;
  readonly pixelAccuracy: number;
  readonly trainSeconds: number;
  readonly trainImagesPerSecond: number;
}

/** The identity of a row: a resumed run keys on this, never writes a key twice. */
export function rowKey(row: Pick<ResultRow, 'experiment' | 'model' | 'dataset' | 'backend' | 'seed' | 'epoch'>): string {
  return [row.experiment, row.model, row.dataset, row.backend, row.seed, row.epoch].join('|');
}

export function runKey(spec: RunSpec, epoch: number): string {
  const { settings } = spec;
  return rowKey({ ...spec, dataset: settings.dataset, backend: settings.backend, epoch });
}

/** Settings a resumed results file must agree on (otherwise its rows answer a different question). */
export const ROW_SETTINGS = ['epochs', 'imageSize', 'batchSize'] as const;
