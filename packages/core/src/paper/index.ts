export {
  type Coefficients,
  DEFAULT_A,
  DEFAULT_B,
  DEFAULT_EMA_DECAY,
  type DynamicOptions,
  EXP_CAP,
  type EquationBuilder,
  type PaperEquation,
  cappedExp,
  convexL1L2,
  emaConvex,
  emaLinear,
  exponentialTerm,
  hybridV1,
  hybridV2Convex,
  hybridV2Linear,
  hybridV2LinearBiElu,
  hybridV2LinearRelu,
  linearL1L2,
  nonlinearExponential,
  paperCoefficients,
  paperEquations,
  step1Linear,
  step1Mixed,
} from './equations.js';
export { type PaperBuildOptions, type PaperExperiment, type PaperFamily, paperExperiments } from './experiments.js';
export { PAPER_FILTERS, type PaperFilter, SQRT_FILTER_EPS } from './filters.js';
export { DEFAULT_PAPER_READING, type PaperReading, type PaperTerms, paperTerms } from './terms.js';
