import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, type BackendChoice, type BackendGets, DEFAULT_ORDER } from './backends.js';
import { TRAINING_KERNELS, missingKernels } from './training-kernels.js';

/**
 * What `selectBackend` chose, why, and why the candidates before it were passed over.
 *
 * @example
 * ```ts
 * import { type BackendSelection, selectBackend } from '@losskit/tfjs';
 * const selection: BackendSelection = await selectBackend(['wasm', 'cpu'], { training: true });
 * console.log(selection.reason, selection.skipped);
 * ```
 */
export interface BackendSelection {
  /** The candidate that was chosen. */
  chosen: BackendChoice;
  /** The tfjs backend name now active (tf.getBackend()). */
  backend: string;
  /** Why it was chosen: where it stood in the order, and what was checked. */
  reason: string;
  /** What a compiled loss gets on it (fused kernels, when a bad input is reported). */
  gets: BackendGets;
  /**
   * The kernels of `TRAINING_KERNELS` (and `kernels`) it has no registration for: a layer whose
   * gradient needs one cannot train there. Always empty when `training` or `kernels` was asked.
   */
  missingTrainingKernels: string[];
  /** Each candidate tried before it, and why it was passed over. */
  skipped: { candidate: BackendChoice; reason: string }[];
}

/**
 * Options of `selectBackend`.
 *
 * @example
 * ```ts
 * import { selectBackend, type SelectBackendOptions } from '@losskit/tfjs';
 * const options: SelectBackendOptions = { training: true }; // never a backend a conv net cannot fit on
 * await selectBackend('wasm', options); // wasm has no Conv2DBackpropFilter: the next in DEFAULT_ORDER that fits
 * ```
 */
export interface SelectBackendOptions {
  /**
   * Refuse a backend that lacks a kernel of `TRAINING_KERNELS` (the backward kernels of the
   * tfjs-layers layers: conv, depthwise/separable conv, pooling, upsampling, elu). Default false.
   */
  training?: boolean;
  /** Further kernels the model needs (e.g. `await recordKernels(step)` on cpu): a backend lacking one is refused. */
  kernels?: readonly string[];
  /** When no preferred candidate fits, go on along `DEFAULT_ORDER` (default true); false: throw instead. */
  fallback?: boolean;
  /** How a package is loaded (default: dynamic import). Tests pass a stand-in. */
  importModule?: (name: string) => Promise<unknown>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));

function unknownBackend(name: string): Error {
  const providers = DEFAULT_ORDER.filter((c) => BACKENDS[c].backend === name);
  const hint = providers.length > 0 ? ` ('${name}' is the tfjs backend of ${providers.map((c) => `'${c}' (${BACKENDS[c].module})`).join(' and ')})` : '';
  return new Error(`selectBackend: unknown backend '${name}': expected one of ${DEFAULT_ORDER.join(', ')}${hint}`);
}

/**
 * Activates `candidate` if it can run here, its package loads and registers its backend, it has
 * every `required` kernel, and it initializes. Returns why not, or undefined once it is active.
 */
async function activate(candidate: BackendChoice, required: readonly string[], load: (name: string) => Promise<unknown>): Promise<string | undefined> {
  const { module, backend, unavailable } = BACKENDS[candidate];
  const unfit = unavailable();
  if (unfit !== undefined) return unfit;
  // tfjs-node and tfjs-node-gpu both register 'tensorflow'; only trust a registration we loaded
  if (backend === 'tensorflow' || !tf.findBackendFactory(backend)) {
    try {
      await load(module);
    } catch (e) {
      return `${module} is not installed or failed to load (${message(e)})`;
    }
  }
  if (!tf.findBackendFactory(backend)) return `${module} loaded but registered no '${backend}' backend`;
  const missing = missingKernels(required, backend);
  if (missing.length > 0)
    return `cannot train here: the '${backend}' backend has no ${missing.map((k) => (TRAINING_KERNELS[k] ? `${k} (${TRAINING_KERNELS[k]})` : k)).join(', ')} kernel${missing.length > 1 ? 's' : ''}`;
  try {
    if (!(await tf.setBackend(backend))) return `the '${backend}' backend failed to initialize here`;
    await tf.ready();
    return undefined;
  } catch (e) {
    return `the '${backend}' backend failed to initialize (${message(e)})`;
  }
}

/**
 * Activates the first tfjs backend that can run here, is installed, has the kernels asked for and
 * initializes, trying `preference` first (one candidate or an ordered list) and then the rest in
 * `DEFAULT_ORDER` (unless `fallback: false`). The optional packages (@tensorflow/tfjs-node,
 * -node-gpu, -backend-webgpu, -backend-webgl, -backend-wasm) are loaded with a dynamic import
 * inside try/catch, so none of them is required. `{ training: true }` refuses a backend that
 * lacks a backward kernel of `TRAINING_KERNELS` (wasm: `Conv2DBackpropFilter`, so a conv net
 * could not `fit` there).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@losskit/tfjs';
 * const { chosen, reason, skipped } = await selectBackend(undefined, { training: true });
 * console.log(`${chosen}: ${reason}`);
 * for (const s of skipped) console.log(`  skipped ${s.candidate}: ${s.reason}`);
 * ```
 */
export async function selectBackend(preference?: BackendChoice | readonly BackendChoice[], options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const load = options.importModule ?? ((name: string) => import(/* @vite-ignore */ name));
  const preferred = preference === undefined ? [] : typeof preference === 'string' ? [preference] : [...preference];
  for (const p of preferred) if (!Object.hasOwn(BACKENDS, p)) throw unknownBackend(p);
  const fallback = options.fallback ?? true;
  if (!fallback && preferred.length === 0) throw new Error('selectBackend: fallback: false leaves nothing to try without a preference; name the backend(s) to try');
  const training = Object.keys(TRAINING_KERNELS);
  const asked = [...(options.training ? training : []), ...(options.kernels ?? [])];
  const required = [...new Set(asked)];
  const order = [...new Set(fallback ? [...preferred, ...DEFAULT_ORDER] : preferred)];
  const skipped: BackendSelection['skipped'] = [];
  for (const candidate of order) {
    const why = await activate(candidate, required, load);
    if (why !== undefined) {
      skipped.push({ candidate, reason: why });
      continue;
    }
    const { module, backend, gets } = BACKENDS[candidate];
    const missingTrainingKernels = missingKernels([...new Set([...training, ...required])], backend);
    const rank = preferred.indexOf(candidate);
    const position =
      rank === 0
        ? 'your first preference'
        : rank > 0
          ? `your preference ${rank + 1} of ${preferred.length}`
          : `the first of DEFAULT_ORDER (${DEFAULT_ORDER.join(', ')}) that fits${preferred.length > 0 ? ', after every preference was skipped' : ''}`;
    const kernels =
      required.length > 0
        ? `it has all ${required.length} kernels asked for (${[options.training ? 'TRAINING_KERNELS' : '', options.kernels?.length ? `${new Set(options.kernels).size} in kernels` : ''].filter(Boolean).join(' and ')})`
        : missingTrainingKernels.length > 0
          ? `kernels not checked (no training: true); it lacks ${missingTrainingKernels.join(', ')}, so a layer whose gradient needs one cannot train here`
          : 'kernels not checked (no training: true), though it has every kernel of TRAINING_KERNELS';
    return {
      chosen: candidate,
      backend: tf.getBackend(),
      reason: `${candidate}: ${position}; its '${backend}' backend (${module}) is registered and initialized; ${kernels}`,
      gets,
      missingTrainingKernels,
      skipped,
    };
  }
  throw new Error(
    `selectBackend: no tfjs backend ${fallback ? '' : `of ${preferred.join(', ')} (fallback: false) `}could be used:\n${skipped.map((s) => `  ${s.candidate}: ${s.reason}`).join('\n')}`,
  );
}
