export {
  type ClassScores,
  ConfusionMatrix,
  type ConfusionMatrixOptions,
  type SegmentationMetrics,
  argmaxClasses,
} from './confusion-matrix.js';
