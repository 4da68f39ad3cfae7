import { loadDefaultRuntime, platformFor } from '#ort-runtime';
import type { OrtModule, OrtRuntime } from './runtime.js';

/** The runtimes already resolved, per module (the checks they make are cached with them). */
const resolved = new WeakMap<OrtModule, OrtRuntime>();
let defaultRuntime: Promise<OrtRuntime> | undefined;

/**
 * The runtime for `ort`, or without it the platform's default: onnxruntime-node in Node
 * (onnxruntime-web when only that is installed), onnxruntime-web in a browser bundle. The
 * default is imported on first use, so a package that is not installed costs nothing until then,
 * and the error names what to install.
 *
 * @example
 * ```ts
 * import { resolveRuntime } from '@losskit/onnx';
 * import * as web from 'onnxruntime-web';
 * const runtime = await resolveRuntime(web);
 * runtime.name; // 'onnxruntime-web'
 * ```
 */
export async function resolveRuntime(ort?: OrtModule): Promise<OrtRuntime> {
  if (ort === undefined) {
    defaultRuntime ??= loadDefaultRuntime().catch((error: unknown) => {
      defaultRuntime = undefined;
      throw error;
    });
    return defaultRuntime;
  }
  let runtime = resolved.get(ort);
  if (runtime === undefined) {
    if (typeof ort?.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function')
      throw new Error(
        "runtime must be an ONNX Runtime module (import * as ort from 'onnxruntime-node' or 'onnxruntime-web'); it has no InferenceSession.create or Tensor",
      );
    runtime = platformFor(ort);
    resolved.set(ort, runtime);
  }
  return runtime;
}

