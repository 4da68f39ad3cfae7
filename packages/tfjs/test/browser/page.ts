// The browser page of the GPU suites: tfjs with its webgl and webgpu backends, @losskit/tfjs and the
// shared conformance cases, bundled by bundle.ts. Node drives it through `window.losskit`; every
// result comes back as data (names and disagreements), and node turns it into named assertions.
import { catalogue } from '@losskit/core';
import { checkCase, conformanceCases } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { type BackendChoice, type BackendSelection, type SelectBackendOptions, compile, selectBackend } from '../../src/index.js';
import { tfjsBackend } from '../tfjs-backend.js';
import { type FiniteCheckReport, type SyncReadReport, finiteCheck, syncReads, targetDtypes } from './checks.js';
import { type TrainingRun, type TrainingSpec, trainConvNet } from './training.js';

export interface CaseResult {
  name: string;
  failures: string[];
  ms: number;
}

/** What `select` saw: the selection (or why none), and the path a compiled loss then took. */
export interface SelectReport {
  selection?: BackendSelection;
  /** `loss.explain().path` of a small compiled cross-entropy run on the selected backend. */
  path?: string;
  error?: string;
}

export interface PageApi {
  /**
   * Activates a tfjs backend with `selectBackend(name, { training: true, fallback: false })`, so the
   * model.fit cases below run where selectBackend accepted training; resolves to the active name
   * (an unavailable backend is reported, not hidden).
   */
  useBackend(name: 'webgl' | 'webgpu'): Promise<{ ok: boolean; backend: string; error?: string }>;
  /** Runs selectBackend as a user would, then one compiled loss on what it chose. */
  select(preference: BackendChoice | BackendChoice[] | null, options: Omit<SelectBackendOptions, 'importModule'>): Promise<SelectReport>;
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
      const { backend } = await selectBackend(name, { training: true, fallback: false });
      return { ok: backend === name, backend };
    } catch (error) {
      return { ok: false, backend: tf.getBackend(), error: error instanceof Error ? error.message : String(error) };
    }
  },
  async select(preference, options) {
    let selection: BackendSelection;
    try {
      selection = await selectBackend(preference ?? undefined, options);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
    const loss = compile(catalogue.categoricalCrossEntropy());
    const [pred, target] = [tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 3), tf.oneHot(tf.tensor3d([0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1], [1, 4, 4], 'int32'), 3)];
    const { value, grads } = loss.valueAndGrad({ pred, target });
    await value.data();
    await loss.sync();
    const path = loss.explain().path;
    tf.dispose([pred, target, value, grads.pred!]);
    loss.dispose();
    return { selection, path };
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
