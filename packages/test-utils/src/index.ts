export {
  CONFORMANCE_SIZES,
  type ConformanceCase,
  DIFFERENTIABLE_DOMAINS,
  STATEFUL_STEPS,
  checkCase,
  conformanceCases,
  conformanceSuite,
  referenceGradients,
} from './conformance.js';
export { finiteDifference } from './finite-difference.js';
export { forEachPosition, makeInputs, shapeOf } from './make-inputs.js';
export { type OpCase, opCases } from './op-cases.js';
export { seededRandom } from '@losskit/core';
export { FLOAT32_TOLERANCE, type Tolerance, compareArrays } from './tolerance.js';
export type { BackendRun, BackendUnderTest, CaseSizes, InputData, InputDomain, InputSpec, LossLike } from './types.js';
export { referenceBackend, roleSizes, stateValues } from './reference-backend.js';
export { type FixedCase, checkFixedCase, fixedCaseSuite } from './fixed-cases.js';
export { numericEdgeCases } from './numeric-edge-cases.js';
export { peerVectors } from './peer-vectors.js';
export { deepGraphInputs, worstRunError } from './deep-graphs.js';
