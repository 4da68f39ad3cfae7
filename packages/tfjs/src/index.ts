export {
  type CompileOptions,
  type CompiledLoss,
  type GradientMode,
  type LossDefinition,
  type StateUpdate,
  type ValueAndGrad,
  compile,
} from './compile.js';
export { InputError, type InputValue } from './inputs.js';
export { allowSparseLabels } from './layers.js';
export { type AxisMap, type Layout, axesOf, roleAxes, shapeFor } from './layout.js';
export { LOWERINGS, type Lowering, type LoweringContext } from './lowerings.js';
export { type Binding, type FusionExplanation, Program, UnsupportedOpError, materialize } from './program.js';
export type { FusionTargetName } from './fusion/target.js';
export { BACKENDS, type BackendChoice, type BackendGets, type BackendInfo, DEFAULT_ORDER } from './backends.js';
export { type BackendSelection, type SelectBackendOptions, selectBackend } from './select-backend.js';
export { TRAINING_KERNELS, recordKernels } from './training-kernels.js';
