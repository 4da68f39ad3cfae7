import * as tf from '@tensorflow/tfjs-core';

/**
 * The kernels only a backward pass dispatches, for the ops the layers of tfjs-layers use, and the
 * gradient that needs each. A forward pass never runs them, so a backend can run a model and still
 * fail its first `model.fit` step (tfjs-backend-wasm 4.x has no `Conv2DBackpropFilter`:
 * "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"). The list is what tfjs-core's
 * gradient functions call by kernel name (`ENGINE.runKernel` in its gradients and `*_grad` /
 * `*_backprop_*` ops); the gradients of the other ops are composed of forward kernels.
 * Dilation2D's backprops are left out: no tfjs-layers layer uses dilation2d (and webgl lacks them).
 *
 * @example
 * ```ts
 * import { TRAINING_KERNELS } from '@losskit/tfjs';
 * Object.keys(TRAINING_KERNELS); // ['Conv2DBackpropFilter', 'Conv2DBackpropInput', ...]
 * ```
 */
export const TRAINING_KERNELS: Readonly<Record<string, string>> = {
  [tf.Conv2DBackpropFilter]: 'the filter gradient of conv1d, conv2d and conv2dTranspose',
  [tf.Conv2DBackpropInput]: 'the input gradient of conv1d and conv2d (and the forward pass of conv2dTranspose)',
  [tf.DepthwiseConv2dNativeBackpropFilter]: 'the filter gradient of depthwiseConv2d and separableConv2d',
  [tf.DepthwiseConv2dNativeBackpropInput]: 'the input gradient of depthwiseConv2d and separableConv2d',
  [tf.Conv3DBackpropFilterV2]: 'the filter gradient of conv3d and conv3dTranspose',
  [tf.Conv3DBackpropInputV2]: 'the input gradient of conv3d',
  [tf.MaxPoolGrad]: 'the gradient of maxPooling1d/2d',
  [tf.AvgPoolGrad]: 'the gradient of averagePooling1d/2d',
  [tf.MaxPool3DGrad]: 'the gradient of maxPooling3d',
  [tf.AvgPool3DGrad]: 'the gradient of averagePooling3d',
  [tf.ResizeBilinearGrad]: "the gradient of upSampling2d({ interpolation: 'bilinear' })",
  [tf.ResizeNearestNeighborGrad]: 'the gradient of upSampling2d (nearest)',
  [tf.EluGrad]: "the gradient of the 'elu' activation",
};

/** The kernels of `required` that tfjs backend `backendName` has no registration for (none: it can run them all). */
export const missingKernels = (required: readonly string[], backendName: string): string[] =>
  required.filter((k) => tf.getKernel(k, backendName) === undefined);

/**
 * The tfjs kernels `step` runs on the active backend (it runs once, under `tf.profile`), for the
 * `kernels` option of `selectBackend`: record one training step on cpu, where every kernel
 * exists, then pick a faster backend that has them all. `tf.profile` also lists custom ops
 * (`fusedConv2d__op`, the customGrad of fused conv); only names the backend registers as kernels
 * are kept.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { recordKernels, selectBackend } from '@losskit/tfjs';
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 })] });
 * model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
 * await selectBackend('cpu');
 * const kernels = await recordKernels(() => model.trainOnBatch(tf.ones([1, 4, 4, 1]), tf.zeros([1, 2, 2, 2])));
 * await selectBackend(['wasm', 'cpu'], { kernels }); // wasm has no Conv2DBackpropFilter: cpu
 * ```
 */
export async function recordKernels(step: () => tf.TensorContainer | Promise<tf.TensorContainer>): Promise<string[]> {
  const backend = tf.getBackend();
  const { kernelNames } = await tf.profile(step);
  return [...new Set(kernelNames)].filter((k) => tf.getKernel(k, backend) !== undefined);
}
