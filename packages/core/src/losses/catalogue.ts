import { weightedSum } from './compose.js';
import { binaryCrossEntropy, categoricalCrossEntropy, sparseCategoricalCrossEntropy } from './cross-entropy.js';
import { focal } from './focal.js';
import type { Loss } from './loss.js';
import { lovaszHinge, lovaszSoftmax } from './lovasz.js';
import { mcc } from './mcc.js';
import { dice, focalTversky, generalizedDice, jaccard, logCoshDice, tversky } from './overlap.js';
import { huber, l1, l2, logCosh } from './regression.js';
import { cosineSchedule } from './schedules.js';
import { asymmetricFocal, asymmetricFocalTversky, unifiedFocal } from './unified-focal.js';

/**
 * Every catalogue loss by name; each takes its own typed options (all optional).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * const dice = catalogue.dice({ sparse: true, numClasses: 3, ignoreIndex: 255 });
 * const focal = catalogue.focal({ gamma: 2 });
 * ```
 */
export const catalogue = {
  l1,
  l2,
  huber,
  logCosh,
  binaryCrossEntropy,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
  focal,
  dice,
  jaccard,
  tversky,
  focalTversky,
  generalizedDice,
  logCoshDice,
  mcc,
  asymmetricFocal,
  asymmetricFocalTversky,
  unifiedFocal,
  lovaszSoftmax,
  lovaszHinge,
} as const;

/**
 * The name of a catalogue loss.
 *
 * @example
 * ```ts
 * import { type CatalogueName, catalogue } from '@losskit/core';
 * const name: CatalogueName = 'dice';
 * const loss = catalogue[name]();
 * ```
 */
export type CatalogueName = keyof typeof catalogue;

/**
 * Representative option mixes of every catalogue loss, valid for data whose class axis has
 * `numClasses` entries (default 3): what backends and benchmarks run. Every case is a scalar loss.
 *
 * @example
 * ```ts
 * import { catalogueCases } from '@losskit/core';
 * for (const { name, loss } of catalogueCases(4)) console.log(name, Object.keys(loss.inputs));
 * ```
 */
export function catalogueCases(numClasses = 3): { name: string; loss: Loss }[] {
  const C = numClasses;
  const cases: Array<[CatalogueName, object]> = [
    ['l1', {}],
    ['l1', { reduction: 'sum' }],
    ['l2', {}],
    ['huber', { delta: 0.5 }],
    ['logCosh', {}],
    ['binaryCrossEntropy', { mode: 'multilabel' }],
    ['binaryCrossEntropy', { mode: 'multilabel', fromLogits: false, labelSmoothing: 0.1 }],
    ['categoricalCrossEntropy', {}],
    ['categoricalCrossEntropy', { fromLogits: false }],
    ['categoricalCrossEntropy', { labelSmoothing: 0.1, classWeights: weights(C) }],
    ['sparseCategoricalCrossEntropy', { numClasses: C }],
    ['sparseCategoricalCrossEntropy', { numClasses: C, ignoreIndex: 0, reduction: 'sum' }],
    ['focal', {}],
    ['focal', { mode: 'multilabel', alpha: 0.25 }],
    ['focal', { gamma: 1.5, sparse: true, numClasses: C }],
    ['dice', {}],
    // with one class there is no foreground left once the background is excluded
    ...(C > 1 ? ([['dice', { perImage: true, includeBackground: false, numClasses: C }]] as Array<[CatalogueName, object]>) : []),
    ['dice', { sparse: true, numClasses: C, ignoreIndex: 0 }],
    ['dice', { mode: 'multilabel', fromLogits: false }],
    ['jaccard', {}],
    ['tversky', { alpha: 0.3, beta: 0.7 }],
    ['focalTversky', {}],
    ['generalizedDice', {}],
    ['logCoshDice', { perImage: true }],
    ['dice', { logLoss: true, classes: [...new Set([0, C - 1])], numClasses: C }],
    ['jaccard', { reduction: 'sum_over_batch_size', perImage: true, sampleWeights: true }],
    ['categoricalCrossEntropy', { sampleWeights: true, reduction: 'sum_over_batch_size' }],
    ['mcc', { mode: 'multilabel' }],
    ['mcc', { mode: 'multiclass', sparse: true, numClasses: C, ignoreIndex: 0, perImage: true }],
    ['lovaszSoftmax', {}],
    ['lovaszHinge', { mode: 'multilabel' }],
    ['lovaszHinge', { mode: 'multilabel', perImage: true, mask: true }],
    // background against foreground needs two classes at least
    ...(C > 1
      ? ([
          ['asymmetricFocal', { numClasses: C }],
          ['asymmetricFocalTversky', { numClasses: C, fromLogits: false }],
          ['unifiedFocal', { sparse: true, numClasses: C, ignoreIndex: 0 }],
          ['lovaszSoftmax', { sparse: true, numClasses: C, ignoreIndex: 0, perImage: true }],
        ] as Array<[CatalogueName, object]>)
      : []),
  ];
  const built = cases.map(([entry, options]) => ({
    name: `${entry}${Object.keys(options).length > 0 ? JSON.stringify(options) : ''}`,
    loss: (catalogue[entry] as (o: object) => Loss)(options),
  }));
  built.push({
    name: 'categoricalCrossEntropy+dice(cosine epoch schedule)',
    loss: weightedSum('crossEntropyToDice', [
      { loss: catalogue.categoricalCrossEntropy(), weight: cosineSchedule({ from: 1, to: 0, end: 10 }) },
      { loss: catalogue.dice(), weight: cosineSchedule({ from: 0, to: 1, end: 10 }) },
    ]),
  });
  return built;
}

/** 1, 2, ..., n scaled to mean 1: distinct class weights for tests. */
const weights = (n: number): number[] => Array.from({ length: n }, (_, c) => (2 * (c + 1)) / (n + 1));
