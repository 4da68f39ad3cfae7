import * as tf from '@tensorflow/tfjs-core';

/** The tfjs kernel every fused cluster runs as (registered per backend on first use). */
const KERNEL = 'LosskitFused';

/** What a run of the fused kernel does on cpu/wasm: fill float32 outputs of these shapes from the inputs' values. */
export interface FusedCall {
  readonly outputShapes: readonly (readonly number[])[];
  run(inputs: readonly ArrayLike<number>[], outputs: readonly Float32Array[]): void;
}

export type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };

/** What a run of the fused kernel does on a GPU backend: run one generated program on the backend, return its output. */
export interface GpuLaunch {
  launch(backend: unknown, inputs: readonly TensorInfo[]): TensorInfo;
}
interface Memory {
  /** Whether this backend instance has the methods used (tfjs versions differ). */
  supports(backend: object): boolean;
  read(backend: unknown, t: TensorInfo): ArrayLike<number>;
  /** Allocates every output first, then views them (a wasm allocation may move the heap). */
  allocate(backend: unknown, shapes: readonly (readonly number[])[]): { infos: TensorInfo[]; views: Float32Array[] };
}

interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): ArrayLike<number>;
}

/**
 * The backends whose tensors live in memory JavaScript can loop over: the cpu backend's typed
 * arrays and the wasm backend's heap. Others (webgl, webgpu, node) run the unfused lowering.
 */
const MEMORY: Record<string, Memory> = {
  cpu: {
    supports: (backend) => 'readSync' in backend && 'makeTensorInfo' in backend,
    read: (backend, t) => (backend as CpuBackend).readSync(t.dataId),
    allocate: (backend, shapes) => {
      const views = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
      return { infos: shapes.map((s, i) => (backend as CpuBackend).makeTensorInfo([...s], 'float32', views[i]!)), views };
    },
  },
  wasm: {
    supports: (backend) => 'typedArrayFromHeap' in backend && 'makeOutput' in backend,
    read: (backend, t) => (backend as WasmBackend).typedArrayFromHeap(t),
    allocate: (backend, shapes) => {
      const infos = shapes.map((s) => (backend as WasmBackend).makeOutput([...s], 'float32'));
      return { infos, views: infos.map((t) => (backend as WasmBackend).typedArrayFromHeap(t) as Float32Array) };
    },
  },
};

/** Whether tfjs backend `name` is one whose tensors the generated JavaScript kernels loop over (cpu, wasm). */
export const hasJsKernels = (name: string): boolean => Object.hasOwn(MEMORY, name);

/** Whether the active backend's tensors live in memory the JavaScript kernels can loop over. */
export function hasJsMemory(): boolean {
  return MEMORY[tf.getBackend()]?.supports(tf.backend()) === true;
}

/**
 * Registers the fused kernel on a backend, on first use (never at import): on cpu/wasm it runs
 * a generated JavaScript loop over the inputs' memory, on webgpu/webgl the generated program
 * the call carries.
 */
function register(backendName: string): void {
  if (tf.getKernel(KERNEL, backendName)) return;
  const memory = MEMORY[backendName];
  tf.registerKernel({
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const infos = Object.values(inputs) as unknown as TensorInfo[];
      if (!memory) return (attrs as unknown as GpuLaunch).launch(backend, infos);
      const call = attrs as unknown as FusedCall;
      const { infos: outputs, views } = memory.allocate(backend, call.outputShapes);
      call.run(
        infos.map((t) => memory.read(backend, t)),
        views,
      );
      return outputs;
    },
  });
}

/** Runs one fused call on the active backend (inside the caller's tf.tidy). */
export function runFused(inputs: readonly tf.Tensor[], call: FusedCall | GpuLaunch): tf.Tensor[] {
  register(tf.getBackend());
  const named = Object.fromEntries(inputs.map((t, i) => [`x${i}`, t]));
  const out = tf.engine().runKernel(KERNEL, named, call as never);
  return Array.isArray(out) ? out : [out];
}
