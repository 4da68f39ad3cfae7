import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type ExecutionProviderName, type OrtModule, type OrtRuntime, missingRuntime, runtimeNameOf } from './runtime.js';
import { moduleOf, webRuntime } from './runtime-web.js';

interface SupportedBackend {
  readonly name: string;
  /** false: the provider is a separate library (cuda, tensorrt) that must be on disk. */
  readonly bundled: boolean;
}

/** The provider libraries onnxruntime-node loads at session creation for non-bundled providers. */
const PROVIDER_LIBRARY: Readonly<Record<string, { linux: string; win32: string; hint: string }>> = {
  cuda: {
    linux: 'libonnxruntime_providers_cuda.so',
    win32: 'onnxruntime_providers_cuda.dll',
    hint: "onnxruntime-node's install script downloads it (CUDA 12; ONNXRUNTIME_NODE_INSTALL_CUDA=v12)",
  },
};

/** Where the installed onnxruntime-node keeps its native libraries, or undefined when it cannot be found. */
function binaryDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** Where a Linux dynamic loader looks for libraries (LD_LIBRARY_PATH first, then the usual dirs). */
const libraryDirs = (): string[] => [
  ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/**
 * Why a provider of onnxruntime-node cannot run, judged from the build's own list and the
 * library files on disk (asking ONNX Runtime instead prints `Failed to load library …` natively).
 */
function nodeUnavailable(ort: OrtModule, provider: ExecutionProviderName): string | undefined {
  if (provider === 'cpu') return undefined;
  if (provider === 'wasm') return "'wasm' is onnxruntime-web's provider; onnxruntime-node runs 'cpu'";
  const list = (ort as { listSupportedBackends?: () => SupportedBackend[] }).listSupportedBackends;
  if (typeof list !== 'function') return undefined; // an older build: let ONNX Runtime decide
  const backend = list().find((b) => b.name === provider);
  if (backend === undefined)
    return `this onnxruntime-node build (${process.platform}/${process.arch}) has no '${provider}' provider (it has ${list()
      .map((b) => b.name)
      .join(', ')})`;
  // WebGPU in Node is Dawn over Vulkan on Linux: without the Vulkan loader it warns, then fails
  if (provider === 'webgpu' && process.platform === 'linux' && !libraryDirs().some((d) => existsSync(join(d, 'libvulkan.so.1'))))
    return 'onnxruntime-node runs WebGPU over Vulkan here, and libvulkan.so.1 is not installed (apt-get install libvulkan1)';
  if (backend.bundled) return undefined;
  const library = PROVIDER_LIBRARY[provider];
  const dir = binaryDir();
  if (library === undefined || dir === undefined || (process.platform !== 'linux' && process.platform !== 'win32')) return undefined;
  const file = library[process.platform];
  return existsSync(join(dir, file)) ? undefined : `the ${provider} provider library ${file} is not installed: ${library.hint}`;
}

/** onnxruntime-node: CUDA / DirectML / CoreML where the build and the disk have them, else CPU. */
export function nodeRuntime(ort: OrtModule): OrtRuntime {
  const reasons = new Map<ExecutionProviderName, string | undefined>();
  return {
    name: 'onnxruntime-node',
    ort,
    // WebGPU in Node (Dawn) is left to an explicit request: without a GPU it warns on every session
    auto: ['cuda', 'dml', 'coreml', 'cpu'],
    fallback: 'cpu',
    async unavailable(provider) {
      if (!reasons.has(provider)) reasons.set(provider, nodeUnavailable(ort, provider));
      return reasons.get(provider);
    },
  };
}

/** Node platform: a module is onnxruntime-node or onnxruntime-web (wasm in Node). */
export function platformFor(ort: OrtModule): OrtRuntime {
  return runtimeNameOf(ort) === 'onnxruntime-node' ? nodeRuntime(ort) : webRuntime(ort);
}

/** The default runtime in Node: onnxruntime-node, else onnxruntime-web (wasm), imported on first use. */
export async function loadDefaultRuntime(): Promise<OrtRuntime> {
  let nodeError: unknown;
  try {
    return nodeRuntime(moduleOf(await import('onnxruntime-node')));
  } catch (error) {
    // installed but broken (a native library that will not load): say so rather than fall back
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    nodeError = error;
  }
  try {
    return webRuntime(moduleOf(await import('onnxruntime-web')));
  } catch {
    throw missingRuntime('onnxruntime-node (or onnxruntime-web)', nodeError);
  }
}
