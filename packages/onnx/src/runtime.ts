import type { Env, InferenceSession, TensorConstructor } from 'onnxruntime-common';

/**
 * What losskit uses of an ONNX Runtime package. `import * as ort from 'onnxruntime-node'` and
 * `import * as ort from 'onnxruntime-web'` (or `onnxruntime-web/wasm`, `/webgpu`) are both one:
 * both implement onnxruntime-common's InferenceSession and Tensor.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession, type OrtModule } from '@losskit/onnx';
 * import * as ort from 'onnxruntime-node';
 * const runtime: OrtModule = ort;
 * const session = await createLossSession(catalogue.dice(), { runtime });
 * session.runtime; // 'onnxruntime-node'
 * ```
 */
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  readonly Tensor: TensorConstructor;
  readonly env: Env;
}

/**
 * The ONNX Runtime package a session runs on.
 *
 * @example
 * ```ts
 * import { type RuntimeName } from '@losskit/onnx';
 * const name: RuntimeName = 'onnxruntime-web';
 * ```
 */
export type RuntimeName = 'onnxruntime-node' | 'onnxruntime-web';

/**
 * An execution provider a session may ask for. onnxruntime-node: 'cpu', and 'cuda' / 'dml' /
 * 'coreml' where the installed build has them (and 'webgpu' when asked for by name);
 * onnxruntime-web: 'wasm' (also called 'cpu') and 'webgpu'.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession, type ExecutionProviderName } from '@losskit/onnx';
 * const providers: ExecutionProviderName[] = ['cuda', 'cpu'];
 * const session = await createLossSession(catalogue.dice(), { providers });
 * session.provider; // 'cpu' where there is no CUDA
 * ```
 */
export type ExecutionProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'wasm' | 'cpu';

/**
 * Every execution provider name a session accepts (on some runtime).
 *
 * @example
 * ```ts
 * import { EXECUTION_PROVIDERS } from '@losskit/onnx';
 * EXECUTION_PROVIDERS; // ['cuda', 'dml', 'coreml', 'webgpu', 'wasm', 'cpu']
 * ```
 */
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu', 'wasm', 'cpu'];

/**
 * One ONNX Runtime package as losskit drives it: the module, which providers `'auto'` tries, and
 * a check that says, without asking ONNX Runtime (which would print native errors), why a
 * provider cannot run here.
 *
 * @example
 * ```ts
 * import { type OrtRuntime, resolveRuntime } from '@losskit/onnx';
 * const runtime: OrtRuntime = await resolveRuntime();
 * runtime.name; // 'onnxruntime-node' in Node, 'onnxruntime-web' in a browser
 * runtime.auto; // e.g. ['cuda', 'cpu'] or ['webgpu', 'wasm']
 * ```
 */
export interface OrtRuntime {
  readonly name: RuntimeName;
  readonly ort: OrtModule;
  /** `providers: 'auto'`, in order of preference. */
  readonly auto: readonly ExecutionProviderName[];
  /** Without `providers`: the runtime's own CPU provider. */
  readonly fallback: ExecutionProviderName;
  /** Why `provider` cannot run here (one line), or undefined when it is worth trying. */
  unavailable(provider: ExecutionProviderName): Promise<string | undefined>;
}

/** 'onnxruntime-node' or 'onnxruntime-web', from the versions a module reports. */
export function runtimeNameOf(ort: OrtModule): RuntimeName {
  const versions = ort.env?.versions as { node?: string; web?: string } | undefined;
  if (versions?.node !== undefined) return 'onnxruntime-node';
  if (versions?.web !== undefined) return 'onnxruntime-web';
  throw new Error(
    'runtime: cannot tell onnxruntime-node from onnxruntime-web (env.versions names neither); pass one of those modules',
  );
}

/** The message for a runtime package that is not installed. */
export function missingRuntime(wanted: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new Error(
    `@losskit/onnx needs an ONNX Runtime: ${wanted}. Install it (npm install ${wanted.split(' ')[0]}) or pass { runtime } (an imported ONNX Runtime module). (${reason})`,
  );
}
