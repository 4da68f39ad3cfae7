export { type Batch, IGNORE_LABEL, checkBatch } from './batch.js';
export { backward } from './backward.js';
export {
  CHECKPOINT_METADATA_KEY,
  CheckpointError,
  type ModelWeights,
  exportInferenceModel,
  readCheckpoint,
} from './checkpoint.js';
export { GRADIENT_RULES, type GradientRule, type GradientRuleArgs, unbroadcast } from './gradient-rules.js';
export { initialValues } from './init.js';
export { relu, sigmoid, softmax } from './layers/activation.js';
export { type BatchNormOptions, batchNorm } from './layers/batch-norm.js';
export { type Conv2dOptions, type ConvTranspose2dOptions, classifierHead, conv2d, convTranspose2d } from './layers/conv.js';
export { dropout, dropoutMask } from './layers/dropout.js';
export { add, concat } from './layers/merge.js';
export { maxPool2x2 } from './layers/pool.js';
export { bilinearMatrix, upsampleBilinear2x, upsampleNearest2x } from './layers/upsample.js';
export { type EmbeddedLoss, type LossFeeds, embedLoss } from './loss-graph.js';
export { type Confusion, addConfusion, classIoU, confusionFrom, emptyConfusion, meanIoU } from './metrics.js';
export { type Model, type ModelConfig, type ResolvedModelConfig, buildNet, createModel, parameterCount } from './model.js';
export type { FcnConfig, ResolvedFcnConfig } from './models/fcn.js';
export type { ResolvedUNetConfig, UNetConfig } from './models/unet.js';
export {
  type BufferSpec,
  type DropoutSpec,
  type InitKind,
  Net,
  type NetMode,
  type NetSources,
  type ParameterSpec,
  inputSources,
} from './net.js';
export {
  type AdamConfig,
  OPTIMIZERS,
  type OptimizerConfig,
  type OptimizerRule,
  type SgdConfig,
  type UpdateScalars,
  optimizerRule,
} from './optimizers.js';
export { Prng } from './prng.js';
export { DEFAULT_IM2COL_LIMIT_BYTES, type FloatType, type Shape, Tape, type TapeNode, numel } from './tape.js';
export { DivergenceError, type StepResult, Trainer, type TrainerOptions } from './trainer.js';
export {
  type CarriedValue,
  type BuildOptions,
  type EvalGraph,
  type GradientGraph,
  type StepShape,
  type TrainingLoss,
  type TrainingStepGraph,
  TRAINING_STEP_METADATA_KEY,
  buildEvalGraph,
  buildGradientGraph,
  buildTrainingStep,
  updatedOutputName,
} from './training-step.js';
export { shapesBatch } from './synthetic-shapes.js';
