import { type Node, abs, add, hybridV1, neg, sigmoid, softplus, square, sub } from '@losskit/core';
import { DEFAULT_COVARIATES, type EquationTerms, PAPER_EQUATIONS, covariates } from './equations.js';

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
  readonly term: ((t: EquationTerms, ema?: 'literal' | 'stateful') => Node) | null;
  /** whether the term has an EMA (dynamic) part, which can run 'stateful' */
  readonly dynamic: boolean;
}

const equation = (n: number) => {
  const eq = PAPER_EQUATIONS.find((e) => e.number === n);
  if (!eq) throw new Error(`no paper equation (${n})`);
  return eq.build;
};

/** The six methods as the convex-coefficient members of the paper's loss families (Table 1). */
export const LOSS_METHODS: readonly LossMethod[] = [
  { key: 'none', short: 'none', letter: 'a', label: '(a) no loss function', term: null, dynamic: false },
  { key: 'l1-l2', short: 'L1+L2', letter: 'b', label: '(b) L1 + L2, Eq. (1)', term: equation(1), dynamic: false },
  { key: 'exponential', short: 'exp', letter: 'c', label: '(c) nonlinear exponential, Eq. (3)', term: equation(3), dynamic: false },
  {
    key: 'exponential-l1-l2',
    short: 'exp+L1/L2',
    letter: 'd',
    label: '(d) exponential + L1/L2 (hybrid v1)',
    term: ({ L1, L2, A, B }) => hybridV1(L1, L2, 'convex', { A, B }),
    dynamic: false,
  },
  { key: 'ema', short: 'EMA', letter: 'e', label: '(e) EMA, Eq. (5)', term: equation(5), dynamic: true },
  { key: 'ema-nonlinear', short: 'EMA+exp', letter: 'f', label: '(f) EMA + nonlinear, Eq. (6)', term: equation(6), dynamic: true },
];

/** The covariates every method reads, with their defaults. */
export const METHOD_PARAMS: Readonly<Record<string, number>> = DEFAULT_COVARIATES;

/**
 * A surface value z seen through a loss method: z itself for 'none', else the method's term
 * with L1 = |z| and L2 = z^2 (z read as the residual of a model at that point).
 */
export function surfaceUnderMethod(method: LossMethod, z: Node, ema: 'literal' | 'stateful' = 'literal'): Node {
  if (!method.term) return z;
  return method.term({ L1: abs(z), L2: square(z), A: covariates.A, B: covariates.B }, ema);
}

/**
 * A value read as the logit of a two-class pixel whose true class is 1, seen through a loss
 * method as the paper's experiments see a pixel (Fig. 5: "each loss function method was
 * applied to the cross-entropy loss"): CE + the method's term, CE alone for 'none'. The
 * prediction is softmax([0, eta]) = (1 − σ(eta), σ(eta)), so CE = −log σ(eta) = softplus(−eta),
 * and the per-pixel base losses over the two classes are L1 = 1 − σ(eta), L2 = (1 − σ(eta))².
 */
export function crossEntropyUnderMethod(method: LossMethod, eta: Node): Node {
  const ce = softplus(neg(eta));
  if (!method.term) return ce;
  const L1 = sub(1, sigmoid(eta));
  return add(ce, method.term({ L1, L2: square(L1), A: covariates.A, B: covariates.B }));
}
