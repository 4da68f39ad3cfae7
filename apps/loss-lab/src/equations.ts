import { type Expr, type Node, add, elu, exp, mul, param, relu, sqrt, sub } from '@losskit/core';

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
  /** 'convex': weights A and 1-A; 'linear': free weights A and B */
  readonly coefficients: 'convex' | 'linear';
  readonly build: (t: EquationTerms) => Node;
}

// Step1 of Eqs. (4)-(6): A*L1 - (1-A)*L1 - B*L2
const step1Convex = ({ L1, L2, A, B }: EquationTerms) => sub(sub(mul(A, L1), mul(sub(1, A), L1)), mul(B, L2));
// Step1 of Eqs. (7)-(9): A*L1 - B*L1 - B*L2
const step1Linear = ({ L1, L2, A, B }: EquationTerms) => sub(sub(mul(A, L1), mul(B, L1)), mul(B, L2));
// the nonlinear exponential term of Eq. (3): A*L1*e^((1-A)*L2)
const expConvex = ({ L1, L2, A }: EquationTerms) => mul(A, L1, exp(mul(sub(1, A), L2)));
// the same with a linear coefficient: A*L1*e^(B*L2)
const expLinear = ({ L1, L2, A, B }: EquationTerms) => mul(A, L1, exp(mul(B, L2)));
// Bi-eLU(u) = eLU(u) - eLU(-u): the printed "eLU(u) - eLU(u)" is identically zero
const biElu = (u: Node) => sub(elu(u), elu(mul(-1, u)));

/** Eqs. (1)-(9) of the paper over scalar L1, L2 (the EMA equations in their printed, stateless form). */
export const PAPER_EQUATIONS: readonly PaperEquation[] = [
  { number: 1, title: 'L1/L2, convex', coefficients: 'convex', build: ({ L1, L2, A }) => add(mul(A, L1), mul(sub(1, A), L2)) },
  { number: 2, title: 'L1/L2, linear', coefficients: 'linear', build: ({ L1, L2, A, B }) => add(mul(A, L1), mul(B, L2)) },
  { number: 3, title: 'nonlinear exponential', coefficients: 'convex', build: expConvex },
  {
    number: 4,
    title: 'EMA, linear',
    coefficients: 'linear',
    build: (t) => add(mul(t.A, step1Convex(t)), mul(t.B, t.L2)),
  },
  {
    number: 5,
    title: 'EMA, convex',
    coefficients: 'convex',
    build: (t) => add(mul(t.A, step1Convex(t)), mul(sub(1, t.A), t.L2)),
  },
  {
    number: 6,
    title: 'hybrid v2, convex',
    coefficients: 'convex',
    build: (t) => add(sqrt(add(mul(t.A, step1Convex(t)), mul(sub(1, t.A), t.L2))), expConvex(t)),
  },
  {
    number: 7,
    title: 'hybrid v2, linear',
    coefficients: 'linear',
    build: (t) => add(mul(t.A, step1Linear(t)), mul(t.B, t.L2), expLinear(t)),
  },
  {
    number: 8,
    title: 'hybrid v2, linear, ReLU',
    coefficients: 'linear',
    build: (t) => add(relu(add(mul(t.A, step1Linear(t)), mul(t.B, t.L2))), expLinear(t)),
  },
  {
    number: 9,
    title: 'hybrid v2, linear, Bi-eLU',
    coefficients: 'linear',
    build: (t) => add(biElu(add(mul(t.A, step1Linear(t)), mul(t.B, t.L2))), expLinear(t)),
  },
];

export const covariates = { A: param('A', { default: 0.5 }), B: param('B', { default: 0.5 }) };
