import { add, mean } from '../builders.js';
import type { Node } from '../ir/node.js';
import { type Loss, makeLoss } from '../losses/loss.js';
import {
  type DynamicOptions,
  convexL1L2,
  emaConvex,
  emaLinear,
  exponentialTerm,
  hybridV1,
  hybridV2Convex,
  hybridV2Linear,
  linearL1L2,
  nonlinearExponential,
  paperCoefficients,
} from './equations.js';
import type { PaperFilter } from './filters.js';
import { DEFAULT_PAPER_READING, type PaperReading, type PaperTerms, paperTerms } from './terms.js';

/**
 * Which of the paper's loss families an experiment adds to cross-entropy.
 *
 * @example
 * ```ts
 * import { type PaperFamily, paperExperiments } from '@losskit/core';
 * const family: PaperFamily = 'ema';
 * const emaExperiments = paperExperiments.filter((e) => e.family === family);
 * ```
 */
export type PaperFamily = 'crossEntropy' | 'l1l2' | 'exponential' | 'hybridV1' | 'ema' | 'hybridV2';

/**
 * Options of `PaperExperiment.build`.
 *
 * @example
 * ```ts
 * import { type PaperBuildOptions, paperExperiments } from '@losskit/core';
 * const options: PaperBuildOptions = { ema: 'stateful', numClasses: 21 };
 * const loss = paperExperiments[11]!.build(options);
 * ```
 */
export interface PaperBuildOptions {
  /** The EMA term: 'literal' (printed Step1/Step2, stateless; default) or 'stateful' (moving average over steps). */
  readonly ema?: 'literal' | 'stateful';
  /** Sparse integer 'labels' with this many classes instead of a one-hot 'target'. */
  readonly numClasses?: number;
  /**
   * Where L1, L2, the equation and its filter act: per pixel (default; the hybrid term is then
   * averaged over pixels) or on the batch means. See `PaperReading`.
   */
  readonly reading?: PaperReading;
}

/**
 * One row of the paper's Table 1: cross-entropy plus one hybrid term with a filter.
 *
 * @example
 * ```ts
 * import { type PaperExperiment, paperExperiments } from '@losskit/core';
 * const twelve: PaperExperiment = paperExperiments.find((e) => e.id === 12)!;
 * twelve.filter; // 'biElu'
 * ```
 */
export interface PaperExperiment {
  readonly id: number;
  /** The Table 1 name. */
  readonly name: string;
  /** The printed equation it instantiates (with its filter swapped in), or null (Exp. 1: none; Exps. 6, 7: Algorithm 1). */
  readonly equation: number | null;
  readonly coefficients: 'convex' | 'linear' | null;
  readonly filter: PaperFilter;
  readonly family: PaperFamily;
  /** cross-entropy + the experiment's hybrid term, over pred and the target. */
  build(options?: PaperBuildOptions): Loss;
}

type Coefficient = 'convex' | 'linear';

/** The hybrid term added to cross-entropy, per family. */
function hybridTerm(
  family: PaperFamily,
  coefficients: Coefficient | null,
  filter: PaperFilter,
  t: PaperTerms,
  ema: DynamicOptions['ema'],
): Node | null {
  const c = paperCoefficients();
  const convex = coefficients === 'convex';
  const dynamic: DynamicOptions = { ema: ema ?? 'literal', filter };
  switch (family) {
    case 'crossEntropy':
      return null;
    case 'l1l2':
      return (convex ? convexL1L2 : linearL1L2)(t.L1, t.L2, c);
    case 'exponential':
      return convex ? nonlinearExponential(t.L1, t.L2, c) : exponentialTerm(t.L1, t.L2, c.A, c.B);
    case 'hybridV1':
      return hybridV1(t.L1, t.L2, coefficients ?? 'convex', c);
    case 'ema':
      return (convex ? emaConvex : emaLinear)(t.L1, t.L2, c, dynamic);
    case 'hybridV2':
      return (convex ? hybridV2Convex : hybridV2Linear)(t.L1, t.L2, c, dynamic);
  }
}

interface Row {
  readonly name: string;
  readonly equation: number | null;
  readonly coefficients: Coefficient | null;
  readonly filter: PaperFilter;
  readonly family: PaperFamily;
}

const FILTER_NAMES: Array<[PaperFilter, string]> = [
  ['none', 'no filter'],
  ['relu', 'ReLU'],
  ['elu', 'eLU'],
  ['biRelu', 'Bi-ReLU'],
  ['biElu', 'Bi-eLU'],
];

/** The equation each filtered variant comes from (the printed form whose filter is swapped). */
const FILTERED_EQUATION: Record<'ema' | 'hybridV2', Record<Coefficient, (f: PaperFilter) => number>> = {
  ema: { convex: () => 5, linear: () => 4 },
  hybridV2: { convex: () => 6, linear: (f) => (f === 'none' ? 7 : f === 'biElu' ? 9 : 8) },
};

function filteredRows(family: 'ema' | 'hybridV2', coefficients: Coefficient): Row[] {
  const title = family === 'ema' ? 'Exponential moving average loss function' : 'Exponential hybrid v2 loss function';
  return FILTER_NAMES.map(([filter, label]) => ({
    name: `${title} with ${coefficients} coefficient adopted ${label}`,
    equation: FILTERED_EQUATION[family][coefficients](filter),
    coefficients,
    // Eq. (6), the only printed hybrid v2 convex form, carries the square root: Table 1's
    // "no filter" row of that family is Eq. (6) as printed (see docs/paper.md).
    filter: family === 'hybridV2' && coefficients === 'convex' && filter === 'none' ? 'sqrt' : filter,
    family,
  }));
}

const ROWS: readonly Row[] = [
  { name: 'None', equation: null, coefficients: null, filter: 'none', family: 'crossEntropy' },
  { name: 'Combination L1 and L2 loss function with convex coefficient', equation: 1, coefficients: 'convex', filter: 'none', family: 'l1l2' },
  { name: 'Combination L1 and L2 loss function with linear coefficient', equation: 2, coefficients: 'linear', filter: 'none', family: 'l1l2' },
  { name: 'Nonlinear exponential loss function with convex coefficient', equation: 3, coefficients: 'convex', filter: 'none', family: 'exponential' },
  { name: 'Nonlinear exponential loss function with linear coefficient', equation: 3, coefficients: 'linear', filter: 'none', family: 'exponential' },
  { name: 'Exponential hybrid loss function with convex coefficient', equation: null, coefficients: 'convex', filter: 'none', family: 'hybridV1' },
  { name: 'Exponential hybrid loss function with linear coefficient', equation: null, coefficients: 'linear', filter: 'none', family: 'hybridV1' },
  ...filteredRows('ema', 'convex'),
  ...filteredRows('ema', 'linear'),
  ...filteredRows('hybridV2', 'convex'),
  ...filteredRows('hybridV2', 'linear'),
];

/**
 * The 27 experiments of Table 1, ids 1..27: cross-entropy plus each hybrid term (Algorithms 1 and 2).
 *
 * @example
 * ```ts
 * import { paperExperiments } from '@losskit/core';
 * const losses = paperExperiments.map((e) => e.build({ numClasses: 3 })); // 27 losses over pred and labels
 * ```
 */
export const paperExperiments: readonly PaperExperiment[] = Object.freeze(
  ROWS.map((row, i) =>
    Object.freeze({
      id: i + 1,
      ...row,
      build(options: PaperBuildOptions = {}): Loss {
        const reading = options.reading ?? DEFAULT_PAPER_READING;
        const terms = paperTerms(options.numClasses, { reading });
        const term = hybridTerm(row.family, row.coefficients, row.filter, terms, options.ema);
        // per pixel, the hybrid term is a [batch, spatial] map: the loss averages it over pixels
        const expr = term ? add(terms.crossEntropy, term.roles.length > 0 ? mean(term) : term) : terms.crossEntropy;
        return makeLoss(`paper.experiment${i + 1}`, expr, terms.inputs);
      },
    }),
  ),
);
