import type { SegmentationDataset } from '../datasets/dataset.js';
import type { ResultRow, RunSpec } from './run-spec.js';

/** Parent -> worker. The dataset is decoded once by the parent and sent to each worker. */
export type ToWorker =
  | { readonly type: 'dataset'; readonly dataset: SegmentationDataset }
  | { readonly type: 'run'; readonly spec: RunSpec };

/** Worker -> parent. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'step'; readonly epoch: number; readonly step: number; readonly steps: number }
  | { readonly type: 'row'; readonly row: ResultRow }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string };
