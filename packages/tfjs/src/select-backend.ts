import * as tf from '@tensorflow/tfjs-core';

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
export type BackendChoice = 'node-gpu' | 'node' | 'webgpu' | 'wasm' | 'cpu';

/** Each candidate: the package that provides it and the tfjs backend name it registers. */
const CANDIDATES: Record<BackendChoice, { module: string; backend: string }> = {
  'node-gpu': { module: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  node: { module: '@tensorflow/tfjs-node', backend: 'tensorflow' },
  webgpu: { module: '@tensorflow/tfjs-backend-webgpu', backend: 'webgpu' },
  wasm: { module: '@tensorflow/tfjs-backend-wasm', backend: 'wasm' },
  cpu: { module: '@tensorflow/tfjs-backend-cpu', backend: 'cpu' },
};

/**
 * Fastest first: native TensorFlow with CUDA, native TensorFlow, WebGPU, WebAssembly, plain JS.
 *
 * @example
 * ```ts
 * import { DEFAULT_ORDER } from '@losskit/tfjs';
 * DEFAULT_ORDER; // ['node-gpu', 'node', 'webgpu', 'wasm', 'cpu']
 * ```
 */
export const DEFAULT_ORDER: readonly BackendChoice[] = ['node-gpu', 'node', 'webgpu', 'wasm', 'cpu'];

/**
 * What `selectBackend` chose, and why the candidates before it were passed over.
 *
 * @example
 * ```ts
 * import { type BackendSelection, selectBackend } from '@losskit/tfjs';
 * const selection: BackendSelection = await selectBackend(['wasm', 'cpu']);
 * console.log(selection.chosen, selection.skipped);
 * ```
 */
export interface BackendSelection {
  /** The candidate that was chosen. */
  chosen: BackendChoice;
  /** The tfjs backend name now active (tf.getBackend()). */
  backend: string;
  /** Each candidate tried before it, and why it was passed over. */
  skipped: { candidate: BackendChoice; reason: string }[];
}

/**
 * Options of `selectBackend`.
 *
 * @example
 * ```ts
 * import { selectBackend, type SelectBackendOptions } from '@losskit/tfjs';
 * const options: SelectBackendOptions = { importModule: (name) => import(name) };
 * await selectBackend('cpu', options);
 * ```
 */
export interface SelectBackendOptions {
  /** How a package is loaded (default: dynamic import). Tests pass a stand-in. */
  importModule?: (name: string) => Promise<unknown>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));

/**
 * Activates the first tfjs backend that is installed and initializes, trying `preference` first
 * (one candidate or an ordered list) and then the rest in `DEFAULT_ORDER`. The optional packages
 * (@tensorflow/tfjs-node, -node-gpu, -backend-webgpu, -backend-wasm) are loaded with a dynamic
 * import inside try/catch, so none of them is required.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@losskit/tfjs';
 * const { chosen, skipped } = await selectBackend(); // the fastest installed backend
 * for (const s of skipped) console.log(`${s.candidate}: ${s.reason}`);
 * ```
 */
export async function selectBackend(
  preference?: BackendChoice | readonly BackendChoice[],
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const load = options.importModule ?? ((name: string) => import(/* @vite-ignore */ name));
  const preferred = preference === undefined ? [] : typeof preference === 'string' ? [preference] : [...preference];
  for (const p of preferred)
    if (!(p in CANDIDATES)) throw new Error(`unknown backend '${p}': expected one of ${DEFAULT_ORDER.join(', ')}`);
  const order = [...new Set([...preferred, ...DEFAULT_ORDER])];
  const skipped: BackendSelection['skipped'] = [];
  for (const candidate of order) {
    const { module, backend } = CANDIDATES[candidate];
    // tfjs-node and tfjs-node-gpu both register 'tensorflow'; only trust a registration we loaded
    const native = backend === 'tensorflow';
    if (native || !tf.findBackendFactory(backend)) {
      try {
        await load(module);
      } catch (e) {
        skipped.push({ candidate, reason: `${module} is not installed or failed to load (${message(e)})` });
        continue;
      }
    }
    if (!tf.findBackendFactory(backend)) {
      skipped.push({ candidate, reason: `${module} loaded but registered no '${backend}' backend` });
      continue;
    }
    try {
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return { chosen: candidate, backend: tf.getBackend(), skipped };
      }
      skipped.push({ candidate, reason: `the '${backend}' backend failed to initialize here` });
    } catch (e) {
      skipped.push({ candidate, reason: `the '${backend}' backend failed to initialize (${message(e)})` });
    }
  }
  throw new Error(`no tfjs backend could be initialized:\n${skipped.map((s) => `  ${s.candidate}: ${s.reason}`).join('\n')}`);
}
