import { InferenceSession } from 'onnxruntime-node';

/** Execution providers a loss session may ask for, in the order the caller prefers them. */
export type ExecutionProviderName = 'cuda' | 'webgpu' | 'cpu';
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cuda', 'webgpu', 'cpu'];
/** `'auto'`: try CUDA, then WebGPU, then CPU. */
export const AUTO_PROVIDERS: readonly ExecutionProviderName[] = EXECUTION_PROVIDERS;

export interface SessionSettings {
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface OpenedSession {
  readonly session: InferenceSession;
  /** The provider the session runs on. */
  readonly provider: ExecutionProviderName;
  /** One line per provider tried before it: why it was skipped. */
  readonly skipped: readonly string[];
}

/** Creates a session on the first provider that loads, saying why earlier ones were skipped. */
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
