import {
  DEFAULT_A,
  DEFAULT_B,
  type Expr,
  type Node,
  paperCoefficients,
  paperEquations,
  type PaperEquation as CorePaperEquation,
} from '@losskit/core';

/** The terms an equation of the paper combines: base losses L1, L2 and covariates A, B. */
export interface EquationTerms {
  readonly L1: Node;
  readonly L2: Node;
  readonly A: Expr;
  readonly B: Expr;
}

export interface PaperEquation {
  readonly number: number;
  readonly title: string;
  /** 'convex': weights A and 1 - A on L1, L2; 'linear': free weights A and B */
  readonly coefficients: 'convex' | 'linear';
  /** the core's equation (printed form, the paper's derivative, builder) */
  readonly core: CorePaperEquation;
  /**
   * The equation over the given terms. EMA terms: 'literal' (default) is the printed, stateless
   * Step2; 'stateful' averages Step2 over evaluations in the core's state slot 'paper.ema'.
   */
  readonly build: (t: EquationTerms, ema?: 'literal' | 'stateful') => Node;
}

/**
 * Short titles, and the coefficient form each equation's formula has: Eqs. (1), (3), (5), (6)
 * weigh by A and 1 - A (Eq. (3)'s heading says "linear" but its exponent is (1 - A) L2).
 */
const SHAPE: Record<number, { title: string; coefficients: 'convex' | 'linear' }> = {
  1: { title: 'L1/L2, convex', coefficients: 'convex' },
  2: { title: 'L1/L2, linear', coefficients: 'linear' },
  3: { title: 'nonlinear exponential', coefficients: 'convex' },
  4: { title: 'EMA, linear', coefficients: 'linear' },
  5: { title: 'EMA, convex', coefficients: 'convex' },
  6: { title: 'hybrid v2, convex (sqrt)', coefficients: 'convex' },
  7: { title: 'hybrid v2, linear', coefficients: 'linear' },
  8: { title: 'hybrid v2, linear, ReLU', coefficients: 'linear' },
  9: { title: 'hybrid v2, linear, Bi-eLU', coefficients: 'linear' },
};

/** Eqs. (1)-(9) from the core catalogue, in their literal (stateless) form. */
export const PAPER_EQUATIONS: readonly PaperEquation[] = paperEquations.map((core) => {
  const shape = SHAPE[core.number];
  if (!shape) throw new Error(`loss-lab has no title for paper equation (${core.number})`);
  return {
    number: core.number,
    ...shape,
    core,
    build: ({ L1, L2, A, B }: EquationTerms, ema: 'literal' | 'stateful' = 'literal') =>
      core.build(L1, L2, { A, B }, { ema }),
  };
});

/** A and B as core params (defaults from the catalogue), bound by name at evaluation. */
export const covariates = paperCoefficients();

/** The catalogue's covariate defaults, used wherever the report does not sweep them. */
export const DEFAULT_COVARIATES = { A: DEFAULT_A, B: DEFAULT_B } as const;
