import { elu, neg, relu, sqrt, sub, add } from '../builders.js';
import type { Node } from '../ir/node.js';

/**
 * The relation-analysis filters of the paper, applied to the dynamic (EMA) term.
 *
 * @example
 * ```ts
 * import { PAPER_FILTERS, type PaperFilter, input } from '@losskit/core';
 * const filter: PaperFilter = 'biElu';
 * const filtered = PAPER_FILTERS[filter](input('z', []));
 * ```
 */
export type PaperFilter = 'none' | 'sqrt' | 'relu' | 'elu' | 'biRelu' | 'biElu';

/**
 * Floor inside the square-root filter: its slope at 0 is 1 / (2 sqrt(eps)) = 500 instead of
 * infinite, and negative arguments get slope 0 instead of NaN.
 *
 * @example
 * ```ts
 * import { SQRT_FILTER_EPS } from '@losskit/core';
 * SQRT_FILTER_EPS; // 1e-6
 * ```
 */
export const SQRT_FILTER_EPS = 1e-6;

/**
 * Each filter as a function of the (scalar) dynamic term z:
 * - none: z
 * - sqrt: sqrt(relu(z) + eps) - sqrt(eps). Eq. (6) prints sqrt(z) although z can be negative;
 *   negative z is clipped to 0 (like the ReLU filter), eps keeps the slope finite at 0, and the
 *   shift makes the filter 0 at 0.
 * - relu: max(z, 0)
 * - elu: z for z > 0, e^z - 1 otherwise (alpha = 1)
 * - biRelu: relu(z) - relu(-z), the bipolar form f(z) - f(-z) (Eidnes and Noekland 2017) on
 *   one scalar unit; for ReLU this is z itself.
 * - biElu: elu(z) - elu(-z). Eq. (9) prints eLU(z) - eLU(z), identically 0; the bipolar form
 *   with the sign of the second argument restored is implemented instead.
 *
 * @example
 * ```ts
 * import { PAPER_FILTERS, input } from '@losskit/core';
 * const biRelu = PAPER_FILTERS.biRelu(input('z', [])); // relu(z) - relu(-z)
 * ```
 */
export const PAPER_FILTERS: Record<PaperFilter, (z: Node) => Node> = {
  none: (z) => z,
  sqrt: (z) => sub(sqrt(add(relu(z), SQRT_FILTER_EPS)), Math.sqrt(SQRT_FILTER_EPS)),
  relu: (z) => relu(z),
  elu: (z) => elu(z, 1),
  biRelu: (z) => sub(relu(z), relu(neg(z))),
  biElu: (z) => sub(elu(z, 1), elu(neg(z), 1)),
};
