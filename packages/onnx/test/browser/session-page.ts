// Bundled by browser-sessions.test.ts and run in headless Chromium: opens each SESSION_CASES loss
// with createLossSession on onnxruntime-web and hands back values, gradients and next state.
import * as ort from 'onnxruntime-web';
import { createLossSession } from '../../src/index.js';
import { type PlainTensor, RUNS, SESSION_CASES, type SessionReport } from './session-cases.js';

declare global {
  interface Window {
    runSessions(provider: 'wasm' | 'webgpu', inputs: Record<string, Record<string, PlainTensor>[]>): Promise<SessionReport[]>;
  }
}

// the wasm binaries are served next to the page (/ort/), never from a CDN
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;

const plain = (record: Record<string, Float32Array>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, [...v]]));

window.runSessions = async (provider, inputs) => {
  const reports: SessionReport[] = [];
  for (const [name, build] of Object.entries(SESSION_CASES)) {
    try {
      const session = await createLossSession(build(), { runtime: ort, providers: [provider] });
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const out = await session.run({ inputs: inputs[name]![i]! });
        runs.push({ value: out.value, gradients: plain(out.gradients), nextState: plain(out.nextState) });
      }
      reports.push({ name, runtime: session.runtime, provider: session.provider, providerLog: session.providerLog, runs });
      await session.release();
    } catch (error) {
      reports.push({ name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return reports;
};
