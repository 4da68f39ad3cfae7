// Bundled by browser-training.test.ts and run in headless Chromium: trains TRAINER_OPTIONS on
// onnxruntime-web and hands back losses, IoU and the first steps' weights.
import * as ort from 'onnxruntime-web';
import { Trainer, meanIoU } from '../../src/index.js';
import { type BrowserRun, PARITY_STEPS, STEPS, TRAINER_OPTIONS, heldOut, trainBatch } from './training-case.js';

declare global {
  interface Window {
    train(provider: 'wasm' | 'webgpu', steps?: number): Promise<BrowserRun>;
  }
}

// the wasm binaries are served next to the page (/ort/), never from a CDN
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;

window.train = async (provider, steps = STEPS) => {
  const start = performance.now();
  const trainer = new Trainer({ ...TRAINER_OPTIONS, runtime: ort, providers: [provider] });
  const iouBefore = meanIoU(await trainer.evaluate(heldOut()));
  const losses: number[] = [];
  const weights: Record<string, number[]>[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push((await trainer.step(trainBatch(i))).loss);
    if (i < PARITY_STEPS) weights.push(Object.fromEntries([...trainer.weights().parameters].map(([k, v]) => [k, [...v]])));
  }
  const iouAfter = meanIoU(await trainer.evaluate(heldOut()));
  await trainer.release();
  return { runtime: String(trainer.runtime), provider: String(trainer.provider), losses, iouBefore, iouAfter, weights, milliseconds: performance.now() - start };
};
