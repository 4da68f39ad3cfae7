import { type Node, abs, add, square } from '@losskit/core';
import { type EquationTerms, PAPER_EQUATIONS, covariates } from './equations.js';

/**
 * The six "loss methods" of Figs. 2, 4, 5 and 6. Each maps the base losses L1 = |r|, L2 = r^2
 * of a residual r to the extra loss term the method contributes; 'none' contributes nothing.
 */
export interface LossMethod {
  readonly key: string;
  /** panel letter in the paper's figures */
  readonly letter: string;
  readonly label: string;
  /** a few characters for panel titles */
  readonly short: string;
  /** the term the method adds, or null for no loss method */
  readonly term: ((t: EquationTerms) => Node) | null;
}

const equation = (n: number) => {
  const eq = PAPER_EQUATIONS.find((e) => e.number === n);
  if (!eq) throw new Error(`no paper equation (${n})`);
  return eq.build;
};

export const LOSS_METHODS: readonly LossMethod[] = [
  { key: 'none', short: 'none', letter: 'a', label: '(a) no loss function', term: null },
  { key: 'l1-l2', short: 'L1+L2', letter: 'b', label: '(b) L1 + L2, Eq. (2)', term: equation(2) },
  { key: 'exponential', short: 'exp', letter: 'c', label: '(c) nonlinear exponential, Eq. (3)', term: equation(3) },
  {
    key: 'exponential-l1-l2',
    short: 'exp+L1/L2',
    letter: 'd',
    label: '(d) exponential + L1/L2, Eqs. (3)+(2)',
    term: (t) => add(equation(3)(t), equation(2)(t)),
  },
  { key: 'ema', short: 'EMA', letter: 'e', label: '(e) EMA, Eq. (4)', term: equation(4) },
  { key: 'ema-nonlinear', short: 'EMA+exp', letter: 'f', label: '(f) EMA + nonlinear, Eq. (7)', term: equation(7) },
];

/** The covariates every method reads, with their defaults. */
export const METHOD_PARAMS: Readonly<Record<string, number>> = { A: 0.5, B: 0.5 };

/**
 * A surface value z seen through a loss method: z itself for 'none', else the method's term
 * with L1 = |z| and L2 = z^2 (z read as the residual of a model at that point).
 */
export function surfaceUnderMethod(method: LossMethod, z: Node): Node {
  if (!method.term) return z;
  return method.term({ L1: abs(z), L2: square(z), A: covariates.A, B: covariates.B });
}
