import { type Expr, add, ema, exp, lt, mean, min, mul, param, sub, where } from '../builders.js';
import type { Node } from '../ir/node.js';
import { PAPER_FILTERS, type PaperFilter } from './filters.js';

/**
 * The paper's covariates: A weighs L1, B (or 1 - A in convex form) weighs L2.
 *
 * @example
 * ```ts
 * import { type Coefficients, paperCoefficients } from '@losskit/core';
 * const c: Coefficients = paperCoefficients(); // params A = 0.25, B = 0.5
 * const fixed: Coefficients = { A: 0.3, B: 0.6 };
 * ```
 */
export interface Coefficients {
  readonly A: Expr;
  readonly B: Expr;
}

/**
 * Defaults (reasons in docs/paper.md): A = 1/4 is a proper convex weight away from 1/2, where the
 * printed Step1 A L1 - (1 - A) L1 cancels L1; B = 1/2 differs from 1 - A, so linear and convex
 * forms differ; with both, the dynamic term changes sign during training, so the filters act.
 *
 * @example
 * ```ts
 * import { DEFAULT_A } from '@losskit/core';
 * DEFAULT_A; // 0.25
 * ```
 */
export const DEFAULT_A = 0.25;
/**
 * The default of the paper's covariate B (the paper gives no value; see docs/paper.md).
 *
 * @example
 * ```ts
 * import { DEFAULT_B } from '@losskit/core';
 * DEFAULT_B; // 0.5
 * ```
 */
export const DEFAULT_B = 0.5;
/**
 * The default decay of the stateful EMA (the paper gives none).
 *
 * @example
 * ```ts
 * import { DEFAULT_EMA_DECAY } from '@losskit/core';
 * DEFAULT_EMA_DECAY; // 0.9
 * ```
 */
export const DEFAULT_EMA_DECAY = 0.9;

/**
 * A and B as params with their defaults, bound by name at evaluation time.
 *
 * @example
 * ```ts
 * import { paperCoefficients } from '@losskit/core';
 * const { A, B } = paperCoefficients();
 * ```
 */
export const paperCoefficients = (): Coefficients => ({
  A: param('A', { default: DEFAULT_A }),
  B: param('B', { default: DEFAULT_B }),
});

/**
 * Beyond this exponent the exponential term continues along its tangent line:
 * e^x for x < cap, e^cap (1 + x - cap) from cap on. Same value and slope at the cap, never
 * Inf (e^30 ~ 1e13 stays far from the float32 limit even after multiplying by the gradient).
 *
 * @example
 * ```ts
 * import { EXP_CAP } from '@losskit/core';
 * EXP_CAP; // 30: cappedExp is linear beyond e^30
 * ```
 */
export const EXP_CAP = 30;

/**
 * exp with a linear tail beyond EXP_CAP; min() inside keeps the unused branch finite too.
 *
 * @example
 * ```ts
 * import { cappedExp, evaluateScalar } from '@losskit/core';
 * evaluateScalar(cappedExp(1)); // Math.E
 * evaluateScalar(cappedExp(1000)); // finite
 * ```
 */
export function cappedExp(x: Expr): Node {
  return where(lt(x, EXP_CAP), exp(min(x, EXP_CAP)), mul(Math.exp(EXP_CAP), add(1, sub(x, EXP_CAP))));
}

/**
 * A L1 e^(k L2): the static nonlinear exponential term, k = 1 - A (Eq. 3) or B.
 *
 * @example
 * ```ts
 * import { exponentialTerm, paperCoefficients, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const { A, B } = paperCoefficients();
 * const term = exponentialTerm(L1, L2, A, B); // A L1 e^(B L2)
 * ```
 */
export function exponentialTerm(L1: Expr, L2: Expr, A: Expr, k: Expr, expOf: (x: Expr) => Node = cappedExp): Node {
  return mul(A, L1, expOf(mul(k, L2)));
}

/**
 * How the dynamic (EMA) part of an equation is built.
 *
 * @example
 * ```ts
 * import { emaConvex, type DynamicOptions, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const options: DynamicOptions = { ema: 'stateful', filter: 'relu' };
 * const term = emaConvex(L1, L2, undefined, options);
 * ```
 */
export interface DynamicOptions {
  /**
   * 'literal' (default): Step2 exactly as printed, a stateless expression of this step's L1, L2.
   * 'stateful': a true exponential moving average of Step2 across training steps (core `ema`,
   * bias-corrected, so the first step equals the literal value).
   */
  readonly ema?: 'literal' | 'stateful';
  /** Moving-average decay for the stateful form (default the param 'decay' = 0.9). */
  readonly decay?: Expr;
  /** State slot name for the stateful form (default 'paper.ema'). */
  readonly slot?: string;
  /** Replaces the equation's own filter (the Table 1 variants). */
  readonly filter?: PaperFilter;
  /** The exponential of the static term: `cappedExp` (default) or plain `exp` (the derivative report). */
  readonly exp?: (x: Expr) => Node;
}

/**
 * The dynamic term: Step2's argument, literal or averaged over steps, then filtered. A per-pixel
 * argument (the 'pixel' reading) cannot be averaged element by element across steps, since pixel
 * i of one batch and of the next are different images; the moving average then replaces its
 * batch mean and keeps this step's per-pixel deviations: z - mean(z) + ema(mean(z)). A scalar z
 * gives ema(z), as before.
 */
function dynamicTerm(z: Node, filter: PaperFilter, options: DynamicOptions): Node {
  let moving = z;
  if (options.ema === 'stateful') {
    const decay = options.decay ?? param('decay', { default: DEFAULT_EMA_DECAY });
    const slot = options.slot ?? 'paper.ema';
    moving = z.roles.length === 0 ? ema(z, decay, slot) : add(sub(z, mean(z)), ema(mean(z), decay, slot));
  }
  return PAPER_FILTERS[options.filter ?? filter](moving);
}

/**
 * Step1 of Eqs. (4)-(6) as printed: A L1 - (1 - A) L1 - B L2.
 *
 * @example
 * ```ts
 * import { paperCoefficients, paperTerms, step1Mixed } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const z = step1Mixed(L1, L2, paperCoefficients()); // A L1 - (1 - A) L1 - B L2
 * ```
 */
export const step1Mixed = (L1: Expr, L2: Expr, { A, B }: Coefficients): Node =>
  sub(sub(mul(A, L1), mul(sub(1, A), L1)), mul(B, L2));

/**
 * Step1 of Eqs. (7)-(9) as printed: A L1 - B L1 - B L2.
 *
 * @example
 * ```ts
 * import { paperCoefficients, paperTerms, step1Linear } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const z = step1Linear(L1, L2, paperCoefficients()); // A L1 - B L1 - B L2
 * ```
 */
export const step1Linear = (L1: Expr, L2: Expr, { A, B }: Coefficients): Node =>
  sub(sub(mul(A, L1), mul(B, L1)), mul(B, L2));

/**
 * Builds one of the paper's equations from L1 and L2, coefficients and the dynamic options.
 *
 * @example
 * ```ts
 * import { type EquationBuilder, convexL1L2, paperTerms } from '@losskit/core';
 * const build: EquationBuilder = convexL1L2;
 * const { L1, L2 } = paperTerms();
 * const term = build(L1, L2);
 * ```
 */
export type EquationBuilder = (L1: Expr, L2: Expr, c?: Coefficients, options?: DynamicOptions) => Node;

/**
 * Eq. (1): A L1 + (1 - A) L2.
 *
 * @example
 * ```ts
 * import { convexL1L2, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = convexL1L2(L1, L2); // Eq. (1), coefficients A and B as params
 * ```
 */
export const convexL1L2: EquationBuilder = (L1, L2, c = paperCoefficients()) =>
  add(mul(c.A, L1), mul(sub(1, c.A), L2));

/**
 * Eq. (2): A L1 + B L2.
 *
 * @example
 * ```ts
 * import { linearL1L2, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = linearL1L2(L1, L2); // Eq. (2), coefficients A and B as params
 * ```
 */
export const linearL1L2: EquationBuilder = (L1, L2, c = paperCoefficients()) => add(mul(c.A, L1), mul(c.B, L2));

/**
 * Eq. (3): A L1 e^((1 - A) L2).
 *
 * @example
 * ```ts
 * import { nonlinearExponential, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = nonlinearExponential(L1, L2); // Eq. (3), coefficients A and B as params
 * ```
 */
export const nonlinearExponential: EquationBuilder = (L1, L2, c = paperCoefficients(), o = {}) =>
  exponentialTerm(L1, L2, c.A, sub(1, c.A), o.exp);

/**
 * Eq. (4), EMA with linear coefficient: Step2 = A Step1 + B L2.
 *
 * @example
 * ```ts
 * import { emaLinear, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = emaLinear(L1, L2); // Eq. (4), coefficients A and B as params
 * ```
 */
export const emaLinear: EquationBuilder = (L1, L2, c = paperCoefficients(), o = {}) =>
  dynamicTerm(add(mul(c.A, step1Mixed(L1, L2, c)), mul(c.B, L2)), 'none', o);

/**
 * Eq. (5), EMA with convex coefficient: Step2 = A Step1 + (1 - A) L2.
 *
 * @example
 * ```ts
 * import { emaConvex, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = emaConvex(L1, L2); // Eq. (5), coefficients A and B as params
 * ```
 */
export const emaConvex: EquationBuilder = (L1, L2, c = paperCoefficients(), o = {}) =>
  dynamicTerm(add(mul(c.A, step1Mixed(L1, L2, c)), mul(sub(1, c.A), L2)), 'none', o);

/**
 * Eq. (6), hybrid v2 convex: sqrt(A Step1 + (1 - A) L2) + A L1 e^((1 - A) L2).
 *
 * @example
 * ```ts
 * import { hybridV2Convex, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = hybridV2Convex(L1, L2); // Eq. (6), coefficients A and B as params
 * ```
 */
export const hybridV2Convex: EquationBuilder = (L1, L2, c = paperCoefficients(), o = {}) =>
  add(
    dynamicTerm(add(mul(c.A, step1Mixed(L1, L2, c)), mul(sub(1, c.A), L2)), 'sqrt', o),
    exponentialTerm(L1, L2, c.A, sub(1, c.A), o.exp),
  );

/** The dynamic part of Eqs. (7)-(9) filtered, plus A L1 e^(B L2). */
const hybridV2LinearWith =
  (filter: PaperFilter): EquationBuilder =>
  (L1, L2, c = paperCoefficients(), o = {}) =>
    add(
      dynamicTerm(add(mul(c.A, step1Linear(L1, L2, c)), mul(c.B, L2)), filter, o),
      exponentialTerm(L1, L2, c.A, c.B, o.exp),
    );

/**
 * Eq. (7), hybrid v2 linear: (A Step1 + B L2) + A L1 e^(B L2).
 *
 * @example
 * ```ts
 * import { hybridV2Linear, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = hybridV2Linear(L1, L2); // Eq. (7), coefficients A and B as params
 * ```
 */
export const hybridV2Linear = hybridV2LinearWith('none');
/**
 * Eq. (8): ReLU(A Step1 + B L2) + A L1 e^(B L2).
 *
 * @example
 * ```ts
 * import { hybridV2LinearRelu, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = hybridV2LinearRelu(L1, L2); // Eq. (8), coefficients A and B as params
 * ```
 */
export const hybridV2LinearRelu = hybridV2LinearWith('relu');
/**
 * Eq. (9): Bi-eLU(A Step1 + B L2) + A L1 e^(B L2).
 *
 * @example
 * ```ts
 * import { hybridV2LinearBiElu, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = hybridV2LinearBiElu(L1, L2); // Eq. (9), coefficients A and B as params
 * ```
 */
export const hybridV2LinearBiElu = hybridV2LinearWith('biElu');

/**
 * Hybrid v1 (Algorithm 1): the exponential term plus the L1/L2 combination.
 *
 * @example
 * ```ts
 * import { hybridV1, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const term = hybridV1(L1, L2, 'convex'); // Algorithm 1 without the cross-entropy
 * ```
 */
export function hybridV1(L1: Expr, L2: Expr, coefficients: 'convex' | 'linear', c = paperCoefficients()): Node {
  return coefficients === 'convex'
    ? add(exponentialTerm(L1, L2, c.A, sub(1, c.A)), convexL1L2(L1, L2, c))
    : add(exponentialTerm(L1, L2, c.A, c.B), linearL1L2(L1, L2, c));
}

/**
 * One of the paper's Eqs. (1)-(9): its number, name, printed form and derivative, and its builder.
 *
 * @example
 * ```ts
 * import { type PaperEquation, paperEquations } from '@losskit/core';
 * const eq5: PaperEquation = paperEquations.find((e) => e.number === 5)!;
 * ```
 */
export interface PaperEquation {
  readonly number: number;
  readonly name: string;
  /** The equation as printed in the paper (LaTeX). */
  readonly printed: string;
  /** The gradient-descent bracket the paper gives for it, Eqs. (10)-(18) (LaTeX). */
  readonly paperDerivative: string;
  readonly build: EquationBuilder;
}

const dL1 = String.raw`\frac{\partial L1}{\partial w}`;
const dL2 = String.raw`\frac{\partial L2}{\partial w}`;
const reluPart = String.raw`\frac{\partial \mathrm{ReLU}(A \cdot Step1 + B \cdot L2)}{\partial w}`;
const dStep1 = String.raw`\frac{\partial Step1}{\partial w}`;
const sqrtDen = String.raw`2\sqrt{A \cdot Step1 + (1-A) \cdot L2}`;

/**
 * Eqs. (1)-(9) with their printed forms and the paper's derivatives, Eqs. (10)-(18).
 *
 * @example
 * ```ts
 * import { paperEquations, paperTerms } from '@losskit/core';
 * const { L1, L2 } = paperTerms();
 * const terms = paperEquations.map((eq) => eq.build(L1, L2));
 * ```
 */
export const paperEquations: readonly PaperEquation[] = [
  {
    number: 1,
    name: 'Combination L1 and L2 loss function with convex coefficient',
    printed: 'A L1 + (1 - A) L2',
    paperDerivative: `A ${dL1} + (1 - A) ${dL2}`,
    build: convexL1L2,
  },
  {
    number: 2,
    name: 'Combination L1 and L2 loss function with linear coefficient',
    printed: 'A L1 + B L2',
    paperDerivative: `A ${dL1} + B ${dL2}`,
    build: linearL1L2,
  },
  {
    number: 3,
    name: 'Nonlinear exponential loss function with linear coefficient (static)',
    printed: 'A L1 e^{(1-A) L2}',
    paperDerivative: `A L1 e^{(1-A)L2} (1-A) ${dL2}`,
    build: nonlinearExponential,
  },
  {
    number: 4,
    name: 'Exponential moving average loss function with linear coefficient (dynamic)',
    printed: String.raw`Step1 = A L1 - (1-A) L1 - B L2;\; Step2 = A \cdot Step1 + B L2`,
    paperDerivative: String.raw`A \left(A ${dL1} - (1-A) ${dL1} - B ${dL2}\right) + B ${dL2}`,
    build: emaLinear,
  },
  {
    number: 5,
    name: 'Exponential moving average loss function with convex coefficient (dynamic)',
    printed: String.raw`Step1 = A L1 - (1-A) L1 - B L2;\; Step2 = A \cdot Step1 + (1-A) L2`,
    paperDerivative: String.raw`A \left(A ${dL1} - (1-A) ${dL1} - B ${dL2}\right) + (1-A) ${dL2}`,
    build: emaConvex,
  },
  {
    number: 6,
    name: 'Hybrid v2 loss function with convex coefficient (static and dynamic)',
    printed: String.raw`Step1 = A L1 - (1-A) L1 - B L2;\; Step2 = \sqrt{A \cdot Step1 + (1-A) L2} + A L1 e^{(1-A) L2}`,
    paperDerivative: String.raw`\frac{A}{${sqrtDen}} \left(A ${dL1} - (1-A) ${dL1} - B ${dL2}\right) + \frac{1-A}{${sqrtDen}} ${dL2}`,
    build: hybridV2Convex,
  },
  {
    number: 7,
    name: 'Hybrid v2 loss function with linear coefficient (static and dynamic)',
    printed: String.raw`Step1 = A L1 - B L1 - B L2;\; Step2 = A \cdot Step1 + B L2 + A L1 e^{B L2}`,
    paperDerivative: String.raw`A \left(A ${dL1} - B ${dL1} - B ${dL2}\right) + B ${dL2}`,
    build: hybridV2Linear,
  },
  {
    number: 8,
    name: 'Hybrid v2 loss function with linear coefficient adopted ReLU',
    printed: String.raw`Step1 = A L1 - B L1 - B L2;\; Step2 = \mathrm{ReLU}(A \cdot Step1 + B L2) + A L1 e^{B L2}`,
    paperDerivative: String.raw`A \cdot ${reluPart} \cdot ${dStep1} + B \cdot ${dL2} \cdot ${reluPart}`,
    build: hybridV2LinearRelu,
  },
  {
    number: 9,
    name: 'Hybrid v2 loss function with linear coefficient adopted Bi-eLU',
    printed: String.raw`Step1 = A L1 - B L1 - B L2;\; Step2 = \mathrm{eLU}(A \cdot Step1 + B L2) - \mathrm{eLU}(A \cdot Step1 + B L2) + A L1 e^{B L2}`,
    paperDerivative: String.raw`A \cdot ${reluPart} \cdot ${dStep1} + B \cdot ${dL2} \cdot ${reluPart}`,
    build: hybridV2LinearBiElu,
  },
];
