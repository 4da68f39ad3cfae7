import * as tf from '@tensorflow/tfjs-core';

/** The tfjs kernel every fused cluster runs as (registered per backend on first use). */
const KERNEL = 'LosskitFused';

/** What a run of the fused kernel does: fill float32 outputs of these shapes from the inputs' values. */
export interface FusedCall {
  readonly outputShapes: readonly (readonly number[])[];
  run(inputs: readonly ArrayLike<number>[], outputs: readonly Float32Array[]): void;
}

type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };
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

/** Whether fused kernels can run on the active backend right now (not while a tape records: they have no gradient). */
export function canFuse(): boolean {
  const memory = MEMORY[tf.getBackend()];
  return memory?.supports(tf.backend()) === true && !tf.engine().isTapeOn();
}

function register(backendName: string): void {
  if (tf.getKernel(KERNEL, backendName)) return;
  const memory = MEMORY[backendName]!;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const call = attrs as unknown as FusedCall;
      const { infos, views } = memory.allocate(backend, call.outputShapes);
      const values = Object.values(inputs).map((t) => memory.read(backend, t as TensorInfo));
      call.run(values, views);
      return infos;
    },
  });
}

/** Runs one fused call on the active backend (inside the caller's tf.tidy). */
export function runFused(inputs: readonly tf.Tensor[], call: FusedCall): tf.Tensor[] {
  register(tf.getBackend());
  const named = Object.fromEntries(inputs.map((t, i) => [`x${i}`, t]));
  const out = tf.engine().runKernel(KERNEL, named, call as never);
  return Array.isArray(out) ? out : [out];
}
