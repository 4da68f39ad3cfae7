export { type CatalogueName, catalogue, catalogueCases } from './catalogue.js';
export { type ClassWeightOptions, classWeightVector } from './class-weights.js';
export { type WeightedTerm, weightedSum } from './compose.js';
export {
  type BinaryCrossEntropyOptions,
  type CrossEntropyOptions,
  binaryCrossEntropy,
  binaryCrossEntropyOf,
  categoricalCrossEntropy,
  logProbabilities,
  sparseCategoricalCrossEntropy,
} from './cross-entropy.js';
export { FLOAT32_BELOW_ONE, FLOAT32_MIN_NORMAL, float32Floor, probabilityBounds } from './float32.js';
export { type FocalOptions, focal } from './focal.js';
export { type LovaszHingeOptions, type LovaszSoftmaxOptions, lovaszExtension, lovaszHinge, lovaszSoftmax } from './lovasz.js';
export { type MccOptions, mcc } from './mcc.js';
export { type InputDomain, type InputSpec, type Loss, type LossConfig, makeLoss, mergeInputs } from './loss.js';
export { OptionError, type OptionRule, type OptionSchema, validateOptions } from './options.js';
export {
  type FocalTverskyOptions,
  type OverlapOptions,
  type TverskyOptions,
  GENERALIZED_DICE_MIN_EPS,
  dice,
  focalTversky,
  generalizedDice,
  jaccard,
  logCoshDice,
  tversky,
} from './overlap.js';
export {
  type Mode,
  type PredictionOptions,
  type Target,
  type TargetOptions,
  classIndices,
  classTarget,
  prediction,
} from './prediction.js';
export {
  COMMON_OPTION_RULES,
  type CommonOptions,
  type Reduction,
  SAMPLE_WEIGHT_SPEC,
  reduceWeighted,
  reducedLoss,
} from './reduction.js';
export { type HuberOptions, type RegressionOptions, huber, l1, l2, logCosh, logCoshOf } from './regression.js';
export { type RampOptions, type StepOptions, cosineSchedule, linearSchedule, sinHalfPeriod, stepSchedule } from './schedules.js';
export { type UnifiedFocalOptions, asymmetricFocal, asymmetricFocalTversky, unifiedFocal } from './unified-focal.js';
export { validateInputs } from './validate-inputs.js';
export { losses } from './registry.js';
