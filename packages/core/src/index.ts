export * from './builders.js';
export { type StateSlot, emaSlots, lowerState } from './ema.js';
export {
  type Environment,
  type Evaluation,
  InputError,
  type RoleSizes,
  type Tensor,
  type TensorValue,
  evaluate,
  evaluateScalar,
} from './evaluate.js';
export { GRADIENT_RULES, type GradientOptions, gradient } from './gradient.js';
export { type Attrs, type Node, ShapeError, leaves, makeNode, nodeCount, rewrite, topoSort } from './ir/node.js';
export { postOrder } from './ir/post-order.js';
export * from './ir/ops.js';
export * from './ir/roles.js';
export { BINARY_KERNELS, UNARY_KERNELS } from './ir/kernels.js';
export { type Bindings, DEFAULT_RULES, type Rule, type SimplifyOptions, match, rule, simplify, v } from './simplify.js';
export { type Arg, type ArgKind, FORMULA_FUNCTIONS, type FunctionSpec, ParseError, type ParseOptions, parse } from './parse.js';
export { type PrintOptions, formatNumber, print } from './print.js';
export * from './losses/index.js';
export * from './compat/index.js';
export * from './paper/index.js';
export * from './metrics/index.js';
export { latexName, toLatex } from './latex.js';
export { seededRandom } from './random.js';
export { lookupName, nameRecord, ownRecord } from './names.js';
export { type ParamCheck, checkParamValues, paramChecks } from './param-checks.js';
export { type RoleDims, agreeRoleSizes, checkDims, checkFiniteData, checkNumbers, firstNonFinite } from './input-checks.js';
