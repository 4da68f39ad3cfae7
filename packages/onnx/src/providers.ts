import type { InferenceSession } from 'onnxruntime-common';
import { resolveRuntime } from './resolve-runtime.js';
import { EXECUTION_PROVIDERS, type ExecutionProviderName, type OrtModule, type RuntimeName } from './runtime.js';

/**
 * ONNX Runtime session settings: the runtime, thread counts, graph optimization level, log level.
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
  /**
   * The ONNX Runtime module to run on (`import * as ort from 'onnxruntime-web'`). Default: the
   * platform's, onnxruntime-node in Node and onnxruntime-web in a browser bundle.
   */
  runtime?: OrtModule;
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ONNX Runtime's session log level: 0 verbose … 4 fatal. Default 3 (errors only: no per-session warnings). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * ONNX Runtime session config entries, e.g. `{ 'session.intra_op.allow_spinning': '0' }` or
   * `{ 'session.dynamic_block_base': '4' }` (see onnxruntime_session_options_config_keys.h).
   */
  configEntries?: Readonly<Record<string, string>>;
  /** ONNX Runtime's memory pattern (pre-planned activation blocks; default on, as in ORT). */
  enableMemPattern?: boolean;
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
 * An ONNX Runtime session, the runtime and provider it runs on, and why earlier providers were skipped.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type OpenedSession, openSession, toOnnx } from '@losskit/onnx';
 * const opened: OpenedSession = await openSession(toOnnx(catalogue.l2()).bytes, 'auto');
 * console.log(opened.runtime, opened.provider, opened.skipped);
 * ```
 */
export interface OpenedSession {
  readonly session: InferenceSession;
  readonly runtime: RuntimeName;
  /** The provider the session runs on. */
  readonly provider: ExecutionProviderName;
  /** One line per provider tried before it: why it was skipped. */
  readonly skipped: readonly string[];
}

/**
 * Creates a session on the first provider that can run, saying why earlier ones were skipped.
 * `'auto'` is the runtime's own chain (onnxruntime-node: cuda, dml, coreml, cpu; onnxruntime-web:
 * webgpu, wasm); no providers: the runtime's CPU provider. A provider the runtime cannot have
 * (no such build, no library file, no WebGPU adapter) is skipped before ONNX Runtime is asked,
 * so nothing is printed natively; sessions log errors only unless `logSeverityLevel` says otherwise.
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
  providers: readonly ExecutionProviderName[] | 'auto' | undefined,
  settings: SessionSettings = {},
): Promise<OpenedSession> {
  const runtime = await resolveRuntime(settings.runtime);
  const chain = providers === 'auto' ? runtime.auto : (providers ?? [runtime.fallback]);
  if (chain.length === 0) throw new Error(`providers is empty: name at least one of ${EXECUTION_PROVIDERS.join(', ')}, or 'auto'`);
  for (const p of chain)
    if (!EXECUTION_PROVIDERS.includes(p))
      throw new Error(`unknown execution provider '${p}': expected one of ${EXECUTION_PROVIDERS.join(', ')}`);
  const skipped: string[] = [];
  const options: InferenceSession.SessionOptions = {
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    logSeverityLevel: settings.logSeverityLevel ?? 3,
    ...(settings.intraOpThreads !== undefined ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    ...(settings.interOpThreads !== undefined ? { interOpNumThreads: settings.interOpThreads } : {}),
    ...(settings.configEntries ? { extra: extraOptions(settings.configEntries) } : {}),
    ...(settings.enableMemPattern !== undefined ? { enableMemPattern: settings.enableMemPattern } : {}),
  };
  for (const provider of chain) {
    const missing = await runtime.unavailable(provider);
    if (missing !== undefined) {
      skipped.push(`${provider} skipped: ${missing}`);
      continue;
    }
    try {
      const session = await runtime.ort.InferenceSession.create(bytes, { ...options, executionProviders: [provider] });
      return { session, runtime: runtime.name, provider, skipped };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
      skipped.push(`${provider} skipped: ${reason}`);
    }
  }
  throw new Error(`no execution provider of ${runtime.name} could run the model:\n  ${skipped.join('\n  ')}`);
}
