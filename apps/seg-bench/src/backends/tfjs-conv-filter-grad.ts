import * as tf from '@tensorflow/tfjs';

/**
 * A faster Conv2DBackpropFilter for the tfjs cpu backend. The stock kernel reads every element
 * through TensorBuffer.get with the batch and spatial loops innermost, and takes over 90% of a
 * U-Net training step; this one walks x and dy in memory order (NHWC):
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n, oh, ow, co]
 */
interface KernelArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: { data: { get(id: unknown): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
  attrs: { strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
}

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') throw new Error('Conv2DBackpropFilter: only NHWC is implemented here');
  const xs = backend.data.get(x.dataId).values;
  const dys = backend.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dw = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyOffset = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xOffset = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            const wOffset = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = xs[xOffset + ci]!;
              if (xv === 0) continue;
              const row = wOffset + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[row + co]! += xv * dys[dyOffset + co]!;
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo([...info.filterShape], 'float32', Float32Array.from(dw));
}

let installed = false;

/** Replaces the cpu backend's Conv2DBackpropFilter kernel (once per process). */
export function installFastConvFilterGrad(): void {
  if (installed) return;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc });
  installed = true;
}
