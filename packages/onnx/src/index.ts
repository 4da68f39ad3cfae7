export {
  type AttrValue,
  type BuiltNode,
  DEFAULT_OPSET,
  FLOAT_ATTRIBUTES,
  GraphBuilder,
  type GraphBuilderOptions,
  MAX_OPSET,
  MIN_OPSET,
  type ModelOptions,
  type NodeOptions,
  type OnnxElemType,
  type TensorInit,
  irVersionFor,
} from './graph-builder.js';
export { type OpsetContext, type OpsetRewrite, rewriteForOpset } from './opset-rules.js';
export { type Layout, type LayoutName, axesOf, makeLayout, physicalShape } from './layout.js';
export {
  type ClassNormalization,
  type ClassStats,
  LOWERINGS,
  type Lowered,
  type Lowering,
  type LoweringContext,
} from './lowerings.js';
export {
  type GraphInputInfo,
  type GraphInputKind,
  type GraphOutputInfo,
  type GraphOutputKind,
  LOSS_OPSET,
  LOSS_OUTPUT,
  type LossLike,
  type OnnxLoss,
  type ToOnnxOptions,
  formulaOf,
  gradientOutputName,
  nextStateOutputName,
  stateInputName,
  toOnnx,
} from './to-onnx.js';
export { type OpenedSession, type SessionSettings, openSession } from './providers.js';
export { resolveRuntime } from './resolve-runtime.js';
export {
  EXECUTION_PROVIDERS,
  type ExecutionProviderName,
  type OrtModule,
  type OrtRuntime,
  type RuntimeName,
  runtimeNameOf,
} from './runtime.js';
export {
  LossInputError,
  type LossRun,
  type LossRunInputs,
  type LossSession,
  type LossSessionOptions,
  type TensorData,
  TensorCache,
  type TensorMaker,
  buildFeeds,
  createLossSession,
  freshTensors,
} from './session.js';
export { checkRunValues } from './check-values.js';
