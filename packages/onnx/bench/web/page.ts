// The page of the onnxruntime-web benchmark (bundled by driver.ts): opens the models the driver
// serves under /m/ on onnxruntime-web and times runs in the page, with the feeds served beside them.
import * as ort from 'onnxruntime-web';

/** A feed as the driver writes it: `${id}.json` lists them, `${id}.bin` holds their bytes back to back. */
export interface FeedEntry {
  readonly name: string;
  readonly type: 'float32' | 'int32';
  readonly dims: number[];
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface PageInfo {
  readonly numThreads: number;
  readonly crossOriginIsolated: boolean;
  readonly userAgent: string;
}

declare global {
  interface Window {
    benchInfo(): PageInfo;
    benchLoad(id: string, provider: 'wasm' | 'webgpu', options: { enableMemPattern?: boolean }): Promise<void>;
    /** Wall-clock ms of `reps` runs back to back, measured in the page. */
    benchTime(id: string, reps: number): Promise<number>;
    benchOutputs(id: string): Promise<Record<string, number[]>>;
    benchRelease(id: string): Promise<void>;
  }
}

const threads = Number(new URLSearchParams(location.search).get('threads') ?? '1');
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = threads;

const sessions = new Map<string, { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }>();

window.benchInfo = () => ({ numThreads: ort.env.wasm.numThreads ?? 0, crossOriginIsolated, userAgent: navigator.userAgent });

window.benchLoad = async (id, provider, options) => {
  const [bytes, entries, data] = await Promise.all([
    fetch(`/m/${id}.onnx`).then((r) => r.arrayBuffer()),
    fetch(`/m/${id}.json`).then((r) => r.json() as Promise<FeedEntry[]>),
    fetch(`/m/${id}.bin`).then((r) => r.arrayBuffer()),
  ]);
  const feeds: Record<string, ort.Tensor> = {};
  for (const e of entries) {
    const slice = data.slice(e.byteOffset, e.byteOffset + e.byteLength);
    feeds[e.name] = e.type === 'int32' ? new ort.Tensor('int32', new Int32Array(slice), e.dims) : new ort.Tensor('float32', new Float32Array(slice), e.dims);
  }
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(options.enableMemPattern !== undefined ? { enableMemPattern: options.enableMemPattern } : {}),
  });
  sessions.set(id, { session, feeds });
};

window.benchTime = async (id, reps) => {
  const { session, feeds } = sessions.get(id)!;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await session.run(feeds);
  return performance.now() - t0;
};

window.benchOutputs = async (id) => {
  const { session, feeds } = sessions.get(id)!;
  const out = await session.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array, Number)]));
};

window.benchRelease = async (id) => {
  await sessions.get(id)?.session.release();
  sessions.delete(id);
};
