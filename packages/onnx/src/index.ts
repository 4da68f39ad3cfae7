export {
  type AttrValue,
  type BuiltNode,
  DEFAULT_OPSET,
  FLOAT_ATTRIBUTES,
  GraphBuilder,
  type GraphBuilderOptions,
  MAX_OPSET,
  type ModelOptions,
  type NodeOptions,
  type OnnxElemType,
  type TensorInit,
  irVersionFor,
} from './graph-builder.js';
