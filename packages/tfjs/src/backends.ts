import { checksSynchronously } from './finite-check.js';
import { hasJsKernels } from './fusion/kernel.js';
import { type FusionTargetName, GPU_TARGETS } from './fusion/target.js';

/**
 * A tfjs backend `selectBackend` can activate (and the package that provides it).
 *
 * @example
 * ```ts
 * import { type BackendChoice, selectBackend } from '@losskit/tfjs';
 * const preference: BackendChoice[] = ['node-gpu', 'node'];
 * await selectBackend(preference); // falls back along DEFAULT_ORDER
 * ```
 */
export type BackendChoice = 'node-gpu' | 'node' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * What a compiled loss gets on a tfjs backend, read from the tables that decide it (the fused
 * kernel's memory access on cpu/wasm, `GPU_TARGETS`, the finite check's host backends).
 *
 * @example
 * ```ts
 * import { type BackendGets, BACKENDS } from '@losskit/tfjs';
 * const wasm: BackendGets = BACKENDS.wasm.gets; // { fused: 'js', finiteCheck: 'synchronous' }
 * ```
 */
export interface BackendGets {
  /** Which generated kernels run fused clusters there; 'per-op': tfjs's own kernels, one per op. */
  fused: FusionTargetName | 'per-op';
  /** A NaN/Inf input (`checkFinite`) is reported by the call itself, or by the next call and `await loss.sync()`. */
  finiteCheck: 'synchronous' | 'deferred';
}

/**
 * One candidate of `selectBackend`.
 *
 * @example
 * ```ts
 * import { type BackendInfo, BACKENDS } from '@losskit/tfjs';
 * const webgl: BackendInfo = BACKENDS.webgl;
 * webgl.unavailable(); // in Node.js: 'webgl needs a browser ...'
 * ```
 */
export interface BackendInfo {
  /** The package that registers it (loaded with a dynamic import when its backend is not registered yet). */
  module: string;
  /** The tfjs backend name it registers (`tf.getBackend()` once active). */
  backend: string;
  /** Why it cannot run in this environment, judged before anything is loaded; undefined where it may. */
  unavailable(): string | undefined;
  gets: BackendGets;
}

/** The globals the environment checks read (absent ones are undefined). */
const env = globalThis as {
  process?: { versions?: { node?: string } };
  navigator?: { gpu?: unknown };
  document?: unknown;
  OffscreenCanvas?: unknown;
};
const inNode = (): boolean => typeof env.process?.versions?.node === 'string';
const here = (): string => (inNode() ? `this is Node.js ${env.process?.versions?.node}` : 'this is a browser');

/** A native TensorFlow binding loads only in Node.js. */
const needsNode = (pkg: string) => (): string | undefined =>
  inNode() ? undefined : `${pkg} binds TensorFlow's native library: it needs Node.js (${here()}); in a browser use webgpu, webgl, wasm or cpu`;

const gets = (backend: string): BackendGets => ({
  fused: hasJsKernels(backend) ? 'js' : (GPU_TARGETS[backend]?.name ?? 'per-op'),
  finiteCheck: checksSynchronously(backend) ? 'synchronous' : 'deferred',
});

/**
 * Every candidate: its package, its tfjs backend, where it can run, and what a compiled loss gets
 * there. tfjs-node and tfjs-node-gpu register the same 'tensorflow' backend.
 *
 * @example
 * ```ts
 * import { BACKENDS } from '@losskit/tfjs';
 * BACKENDS['node-gpu'].backend; // 'tensorflow'
 * ```
 */
export const BACKENDS: Readonly<Record<BackendChoice, BackendInfo>> = {
  'node-gpu': { module: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', unavailable: needsNode('@tensorflow/tfjs-node-gpu'), gets: gets('tensorflow') },
  node: { module: '@tensorflow/tfjs-node', backend: 'tensorflow', unavailable: needsNode('@tensorflow/tfjs-node'), gets: gets('tensorflow') },
  webgpu: {
    module: '@tensorflow/tfjs-backend-webgpu',
    backend: 'webgpu',
    unavailable: () =>
      env.navigator?.gpu !== undefined
        ? undefined
        : `webgpu needs a browser with WebGPU (navigator.gpu), and ${here()} without it${inNode() ? '' : ' (Chromium 113+ on https or localhost, or --enable-unsafe-webgpu)'}`,
    gets: gets('webgpu'),
  },
  webgl: {
    module: '@tensorflow/tfjs-backend-webgl',
    backend: 'webgl',
    // tfjs-backend-webgl registers its backend only where it can create a canvas for a WebGL context
    unavailable: () =>
      env.document !== undefined || env.OffscreenCanvas !== undefined
        ? undefined
        : `webgl needs a browser (a document or OffscreenCanvas for a WebGL context), and ${here()}; in Node.js use node, node-gpu, wasm or cpu`,
    gets: gets('webgl'),
  },
  wasm: { module: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', unavailable: () => undefined, gets: gets('wasm') },
  cpu: { module: '@tensorflow/tfjs-backend-cpu', backend: 'cpu', unavailable: () => undefined, gets: gets('cpu') },
};

/**
 * Fastest first: native TensorFlow with CUDA, native TensorFlow, WebGPU, WebGL, WebAssembly, plain JS.
 *
 * @example
 * ```ts
 * import { DEFAULT_ORDER } from '@losskit/tfjs';
 * DEFAULT_ORDER; // ['node-gpu', 'node', 'webgpu', 'webgl', 'wasm', 'cpu']
 * ```
 */
export const DEFAULT_ORDER: readonly BackendChoice[] = ['node-gpu', 'node', 'webgpu', 'webgl', 'wasm', 'cpu'];
