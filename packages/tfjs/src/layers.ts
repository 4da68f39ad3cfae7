/**
 * The part of a compiled tfjs-layers model `allowSparseLabels` changes. tfjs-layers keeps the
 * target shape `fit` and `evaluate` check in a field its typings mark private, so it is reached
 * structurally (present in tfjs-layers 4.x; checked at run time).
 */
interface CompiledLayersModel {
  feedOutputShapes?: unknown;
  /** A tf.Sequential trains through the LayersModel it wraps. */
  model?: CompiledLayersModel;
}

/**
 * Lets `model.fit` / `model.evaluate` take sparse integer labels `[N,H,W,1]` (one class index per
 * pixel, as tfjs-layers passes them to its own `sparseCategoricalCrossentropy`) for a model whose
 * output is `[N,H,W,C]`, with a compiled sparse loss (`sparseCategoricalCrossEntropy({ numClasses })`,
 * `dice({ sparse: true, numClasses })`, ...) as its loss. tfjs-layers relaxes the class axis of
 * the target to 1 only for its own sparse loss; this does the same for every output of the
 * compiled model. Call it after `model.compile`. (`model.fitDataset` checks no target shape and
 * needs nothing.)
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import * as tf from '@tensorflow/tfjs';
 * import { allowSparseLabels, compile } from '@losskit/tfjs';
 * const loss = compile(catalogue.sparseCategoricalCrossEntropy({ numClasses: 3 }));
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 1 })] });
 * model.compile({ optimizer: 'adam', loss: loss.asLayersLoss() });
 * allowSparseLabels(model);
 * const labels = tf.zeros([4, 8, 8, 1], 'int32'); // class indices
 * await model.fit(tf.zeros([4, 8, 8, 1]), labels, { epochs: 1 });
 * ```
 */
export function allowSparseLabels(model: object): void {
  let target = model as CompiledLayersModel;
  if (!Array.isArray(target.feedOutputShapes) && target.model && Array.isArray(target.model.feedOutputShapes)) target = target.model;
  const shapes = target.feedOutputShapes;
  if (!Array.isArray(shapes))
    throw new Error(
      'allowSparseLabels(model): the model has no compiled target shapes; call model.compile({ optimizer, loss }) first (tfjs-layers 4.x)',
    );
  target.feedOutputShapes = shapes.map((shape: unknown) => {
    if (!Array.isArray(shape) || shape.length < 2) throw new Error(`allowSparseLabels(model): unexpected output shape ${String(shape)}`);
    return [...shape.slice(0, -1), 1];
  });
}
