import { InferenceSession } from 'onnxruntime-node';

/**
 * Execution providers a loss session may ask for, in the order the caller prefers them.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { createLossSession, type ExecutionProviderName } from '@losskit/onnx';
 * const providers: ExecutionProviderName[] = ['webgpu', 'cpu'];
 * const session = await createLossSession(catalogue.dice(), { providers });
 * ```
 */
export type ExecutionProviderName = 'cuda' | 'webgpu' | 'cpu';
/**
 * Every execution provider a loss session may ask for.
 *
 * @example
 * ```ts
 * import { EXECUTION_PROVIDERS } from '@losskit/onnx';
 * EXECUTION_PROVIDERS; // ['cuda', 'webgpu', 'cpu']
 * ```
 */
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cuda', 'webgpu', 'cpu'];
/**
 * `'auto'`: try CUDA, then WebGPU, then CPU.
 *
 * @example
 * ```ts
 * import { AUTO_PROVIDERS } from '@losskit/onnx';
 * AUTO_PROVIDERS; // ['cuda', 'webgpu', 'cpu']
 * ```
 */
export const AUTO_PROVIDERS: readonly ExecutionProviderName[] = EXECUTION_PROVIDERS;

/**
 * ONNX Runtime session settings: thread counts and graph optimization level.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { openSession, type SessionSettings, toOnnx } from '@losskit/onnx';
 * const settings: SessionSettings = { intraOpThreads: 1, graphOptimizationLevel: 'all' };
 * const { session } = await openSession(toOnnx(catalogue.l2()).bytes, ['cpu'], settings);
 * ```
 */
export interface SessionSettings {
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * ONNX Runtime session config entries, e.g. `{ 'session.intra_op.allow_spinning': '0' }` or
   * `{ 'session.dynamic_block_base': '4' }` (see onnxruntime_session_options_config_keys.h).
   */
  configEntries?: Readonly<Record<string, string>>;
}

/** Config entries as the Node binding reads them: nested objects whose keys join with '.'. */
function extraOptions(entries: Readonly<Record<string, string>>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    const path = key.split('.');
    let at = extra;
    path.slice(0, -1).forEach((part, i) => {
      const next = at[part];
      if (typeof next === 'string')
        throw new Error(`session config entry '${key}' clashes with the entry '${path.slice(0, i + 1).join('.')}'`);
      at = (next as Record<string, unknown> | undefined) ?? (at[part] = {}) as Record<string, unknown>;
    });
    const last = path[path.length - 1]!;
    if (typeof at[last] === 'object') throw new Error(`session config entry '${key}' clashes with the entries under it`);
    at[last] = value;
  }
  return extra;
}

/**
 * An ONNX Runtime session, the provider it runs on, and why earlier providers were skipped.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type OpenedSession, openSession, toOnnx } from '@losskit/onnx';
 * const opened: OpenedSession = await openSession(toOnnx(catalogue.l2()).bytes, ['cuda', 'cpu']);
 * console.log(opened.provider, opened.skipped);
 * ```
 */
export interface OpenedSession {
  readonly session: InferenceSession;
  /** The provider the session runs on. */
  readonly provider: ExecutionProviderName;
  /** One line per provider tried before it: why it was skipped. */
  readonly skipped: readonly string[];
}

/**
 * Creates a session on the first provider that loads, saying why earlier ones were skipped.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { openSession, toOnnx } from '@losskit/onnx';
 * const { session, provider, skipped } = await openSession(toOnnx(catalogue.l1()).bytes, ['cuda', 'cpu']);
 * ```
 */
export async function openSession(
  bytes: Uint8Array,
  providers: readonly ExecutionProviderName[],
  settings: SessionSettings = {},
  create: typeof InferenceSession.create = InferenceSession.create.bind(InferenceSession),
): Promise<OpenedSession> {
  if (providers.length === 0) throw new Error(`providers is empty: name at least one of ${EXECUTION_PROVIDERS.join(', ')}`);
  for (const p of providers)
    if (!EXECUTION_PROVIDERS.includes(p))
      throw new Error(`unknown execution provider '${p}': expected one of ${EXECUTION_PROVIDERS.join(', ')}`);
  const skipped: string[] = [];
  const options: InferenceSession.SessionOptions = {
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    ...(settings.intraOpThreads !== undefined ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    ...(settings.interOpThreads !== undefined ? { interOpNumThreads: settings.interOpThreads } : {}),
    ...(settings.configEntries ? { extra: extraOptions(settings.configEntries) } : {}),
  };
  for (const provider of providers) {
    try {
      const session = await create(bytes, { ...options, executionProviders: [provider] });
      return { session, provider, skipped };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
      skipped.push(`${provider} skipped: ${reason}`);
    }
  }
  throw new Error(`no execution provider could run the model:\n  ${skipped.join('\n  ')}`);
}
