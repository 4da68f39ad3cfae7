// The browser page of the GPU suites: tfjs with its webgl and webgpu backends, @losskit/tfjs and the
// shared conformance cases, bundled by bundle.ts. Node drives it through `window.losskit`; every
// result comes back as data (names and disagreements), and node turns it into named assertions.
import { checkCase, conformanceCases } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { tfjsBackend } from '../tfjs-backend.js';
import { type FiniteCheckReport, type SyncReadReport, finiteCheck, syncReads, targetDtypes } from './checks.js';
import { type TrainingRun, type TrainingSpec, trainConvNet } from './training.js';

export interface CaseResult {
  name: string;
  failures: string[];
  ms: number;
}

export interface PageApi {
  /** Activates a tfjs backend; resolves to the active name (an unavailable backend is reported, not hidden). */
  useBackend(name: 'webgl' | 'webgpu'): Promise<{ ok: boolean; backend: string; error?: string }>;
  /** Runs the named conformance cases (all when omitted) on the active backend, one after another. */
  conformance(options: { fuse: boolean; names?: string[]; limit?: number }): Promise<CaseResult[]>;
  /** Trains the small conv net of training.ts with model.fit. */
  train(spec: TrainingSpec): Promise<TrainingRun>;
  syncReads(): Promise<SyncReadReport>;
  finiteCheck(): Promise<FiniteCheckReport>;
  targetDtypes(): ReturnType<typeof targetDtypes>;
  numTensors(): number;
}

const cases = conformanceCases();

const api: PageApi = {
  async useBackend(name) {
    try {
      const ok = await tf.setBackend(name);
      await tf.ready();
      return { ok, backend: tf.getBackend() };
    } catch (error) {
      return { ok: false, backend: tf.getBackend(), error: error instanceof Error ? error.message : String(error) };
    }
  },
  async conformance({ fuse, names, limit = Number.POSITIVE_INFINITY }) {
    const wanted = names ? new Set(names) : undefined;
    const backend = tfjsBackend(`tfjs ${tf.getBackend()}`, { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad', fuse });
    const results: CaseResult[] = [];
    for (const c of cases) {
      if (wanted && !wanted.has(c.name)) continue;
      if (results.length >= limit) break;
      const start = performance.now();
      let failures: string[];
      try {
        failures = await checkCase(backend, c);
      } catch (error) {
        failures = [`threw: ${error instanceof Error ? error.message : String(error)}`];
      }
      results.push({ name: c.name, failures, ms: performance.now() - start });
    }
    return results;
  },
  train: trainConvNet,
  syncReads,
  finiteCheck,
  targetDtypes,
  numTensors: () => tf.memory().numTensors,
};

(globalThis as unknown as { losskit: PageApi }).losskit = api;
