import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends whose cast from int32/bool to float32 only relabels the data. tfjs-backend-webgpu (4.x)
 * keeps the i32 buffer under a tensor that says float32; kernels that copy elements (transpose,
 * gather, slice) then write the bit patterns (1 becomes 1.4e-45) or fail to compile ("expected
 * 'f32', got 'i32'"), while elementwise kernels convert on read. One elementwise pass, x * 1,
 * writes a real f32 buffer.
 */
const RELABELLING_CAST: ReadonlySet<string> = new Set(['webgpu']);

/** `x` as float32 values, on every backend (a tensor already float32 is returned as is). */
export function toFloat32(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32') return x;
  const relabelled = tf.cast(x, 'float32');
  return RELABELLING_CAST.has(tf.getBackend()) ? tf.mul(relabelled, tf.scalar(1)) : relabelled;
}
