import * as tf from '@tensorflow/tfjs-core';
import { mergeSmallClusters, recomputeElementwise, splitNestedClassReductions } from './clusters.js';
import type { GpuTarget } from './gpu/run.js';
import { type TensorInfo, hasJsMemory, runFused } from './kernel.js';
import { glslChunks, glslPacks, glslProgram } from './targets/glsl.js';
import { wgslGroups, wgslProgram, wgslUnsupported } from './targets/wgsl.js';

/** The code generators fused clusters are rendered by: one per kind of tfjs backend. */
export type FusionTargetName = 'js' | 'wgsl' | 'glsl';

interface WebGpuBackend {
  runWebGPUProgram(program: unknown, inputs: readonly TensorInfo[], dtype: tf.DataType): TensorInfo;
}
interface WebGlBackend {
  runWebGLProgram(program: unknown, inputs: readonly TensorInfo[], dtype: tf.DataType): TensorInfo;
  unpackTensor(t: TensorInfo): TensorInfo;
  texData: { get(dataId: object): { isPacked?: boolean } | undefined };
}

/** The GPU targets, by the tfjs backend they run on. */
export const GPU_TARGETS: Readonly<Record<string, GpuTarget>> = {
  webgpu: {
    name: 'wgsl',
    // a thread keeps its pixel's class statistics in registers
    plan: (clusters) => clusters,
    partialCount: wgslGroups,
    unsupported: wgslUnsupported,
    launch: (call, inputs) => ({
      launch: (backend, infos) => (backend as WebGpuBackend).runWebGPUProgram(wgslProgram(call, inputs), infos, 'float32'),
    }),
  },
  webgl: {
    name: 'glsl',
    // a texel cannot share values: nested class statistics get a pass of their own, elementwise
    // values are recomputed, not stored; the small clusters that finish a loss share one launch
    plan: (clusters, roots) => mergeSmallClusters(recomputeElementwise(splitNestedClassReductions(clusters), roots), roots),
    partialCount: (pixels, reducesPixels) => (reducesPixels ? glslChunks(pixels) : 1),
    unsupported: () => undefined,
    launch: (call, inputs, rootsOnly) => ({
      launch: (backend, infos) =>
        (backend as WebGlBackend).runWebGLProgram(glslProgram(call, inputs, tf.env().getBool('WEBGL_PACK') && glslPacks(call, rootsOnly)), infos, 'float32'),
    }),
    // our programs read unpacked textures; tfjs would unpack a packed input (the output of a
    // packed tfjs kernel) again for every program that reads it, so it is unpacked once per call
    prepare: (t) => {
      const backend = tf.backend() as unknown as WebGlBackend;
      if (!(typeof backend.unpackTensor === 'function' && backend.texData?.get(t.dataId)?.isPacked === true)) return t;
      return runFused([t], { launch: (b, [info]) => (b as WebGlBackend).unpackTensor(info!) })[0]!;
    },
  },
};

/** The fused target for the active backend now, or why a call runs one kernel per op. */
export function activeTarget(): { target: FusionTargetName } | { reason: string } {
  const backend = tf.getBackend();
  if (tf.engine().isTapeOn())
    return { reason: 'a tfjs gradient tape is recording (tfjs autodiff, tf.grad, model.fit without a compiled gradient): fused kernels have no tfjs gradient' };
  if (hasJsMemory()) return { target: 'js' };
  if (backend === 'webgpu' && 'runWebGPUProgram' in tf.backend()) return { target: 'wgsl' };
  if (backend === 'webgl' && 'runWebGLProgram' in tf.backend()) {
    if (tf.env().getNumber('WEBGL_VERSION') !== 2) return { reason: 'webgl 1 (the fused GLSL programs need WebGL2 loops and INFINITY)' };
    return { target: 'glsl' };
  }
  return { reason: `backend '${backend}' has no fused target (its own kernels run each op)` };
}
