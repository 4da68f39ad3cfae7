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
  /** The paper's EMA term as printed or as a moving average over steps (changes the loss graph). */
  readonly ema: 'literal' | 'stateful';
  /** ORT intra-op threads: how fast, not what (so not part of the run identity). */
  readonly threads: number;
}

/** One training run: one loss, one model, one seed, all epochs. */
export interface RunSpec {
  /** '1'..'27' for the paper's experiments, 'custom:<name>' for user losses. */
  readonly experiment: string;
  readonly loss: LossRef;
  /** What the loss is, independent of where it was read: see lossSourceOf. */
  readonly lossSource: string;
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
  readonly learningRate: number;
  readonly width: number;
  readonly depth: number;
  readonly ema: 'literal' | 'stateful';
  readonly dataSeed: number;
  /** The loss behind `experiment`: `paper:27`, `formula:<text>` or `module:sha256:<digest>`. */
  readonly lossSource: string;
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

/**
 * The run identity: every setting that changes a run's numbers, with the option that sets it.
 * Rows carry these fields; resuming a results file whose rows disagree on any of them is refused
 * naming the option (otherwise old numbers would be reported as the new settings'). Per
 * (dataset, backend) all of them must agree, the loss per experiment (custom:1 is a key, the
 * formula behind it the identity). Not in it: --threads, --workers, --data-dir (where the data
 * is, not what), --progress, --format.
 */
export const RUN_IDENTITY = [
  { field: 'epochs', flag: '--epochs', perExperiment: false },
  { field: 'imageSize', flag: '--image-size', perExperiment: false },
  { field: 'batchSize', flag: '--batch', perExperiment: false },
  { field: 'trainImages', flag: '--train-images (training images read)', perExperiment: false },
  { field: 'valImages', flag: '--val-images (validation images read)', perExperiment: false },
  { field: 'learningRate', flag: '--lr', perExperiment: false },
  { field: 'width', flag: '--width', perExperiment: false },
  { field: 'depth', flag: '--depth', perExperiment: false },
  { field: 'ema', flag: '--ema', perExperiment: false },
  { field: 'dataSeed', flag: '--data-seed', perExperiment: false },
  { field: 'lossSource', flag: 'the loss (--loss / --loss-module)', perExperiment: true },
] as const satisfies readonly { field: keyof ResultRow; flag: string; perExperiment: boolean }[];

export type RunIdentity = { readonly [K in (typeof RUN_IDENTITY)[number]['field']]: ResultRow[K] };

/** The identity of a planned run, as its rows will record it. */
export function identityOf(spec: RunSpec): RunIdentity & { dataset: string; backend: string; experiment: string } {
  const { settings } = spec;
  return {
    dataset: settings.dataset,
    backend: settings.backend,
    experiment: spec.experiment,
    epochs: settings.epochs,
    imageSize: settings.imageSize,
    batchSize: settings.batchSize,
    trainImages: settings.trainImages,
    valImages: settings.valImages,
    learningRate: settings.learningRate,
    width: settings.width,
    depth: settings.depth,
    ema: settings.ema,
    dataSeed: settings.dataSeed,
    lossSource: spec.lossSource,
  };
}
