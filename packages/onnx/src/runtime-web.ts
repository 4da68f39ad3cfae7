import { type ExecutionProviderName, type OrtModule, type OrtRuntime, missingRuntime } from './runtime.js';

/** A module's default export when a bundler wrapped a CommonJS build, else the module. */
export const moduleOf = (imported: unknown): OrtModule => {
  const m = imported as Partial<OrtModule> & { default?: OrtModule };
  return (m.InferenceSession === undefined && m.default !== undefined ? m.default : m) as OrtModule;
};

let adapter: Promise<string | undefined> | undefined;
/** Why WebGPU cannot run here, asked once per page: no navigator.gpu, or no adapter. */
function webGpuMissing(): Promise<string | undefined> {
  adapter ??= (async () => {
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
    if (gpu === undefined)
      return 'this JavaScript environment has no WebGPU (navigator.gpu is missing; onnxruntime-web in Node runs wasm only)';
    try {
      return (await gpu.requestAdapter()) === null ? 'no WebGPU adapter (navigator.gpu.requestAdapter() gave none)' : undefined;
    } catch (error) {
      return `WebGPU adapter request failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  })();
  return adapter;
}

const NODE_ONLY: ReadonlySet<ExecutionProviderName> = new Set(['cuda', 'dml', 'coreml']);

/**
 * onnxruntime-web: WebGPU where the page has an adapter, else WebAssembly. 'cpu' is ORT's other
 * name for its wasm backend.
 */
export function webRuntime(ort: OrtModule): OrtRuntime {
  return {
    name: 'onnxruntime-web',
    ort,
    auto: ['webgpu', 'wasm'],
    fallback: 'wasm',
    async unavailable(provider) {
      if (NODE_ONLY.has(provider)) return `'${provider}' is an onnxruntime-node provider; onnxruntime-web runs 'webgpu' and 'wasm'`;
      if (provider === 'webgpu') return webGpuMissing();
      return undefined;
    },
  };
}

/** Browser (and any non-Node) platform: every module is onnxruntime-web. */
export const platformFor = webRuntime;

/** The default runtime of a browser bundle: onnxruntime-web, imported on first use. */
export async function loadDefaultRuntime(): Promise<OrtRuntime> {
  try {
    return webRuntime(moduleOf(await import('onnxruntime-web')));
  } catch (error) {
    throw missingRuntime('onnxruntime-web (the browser runtime)', error);
  }
}
