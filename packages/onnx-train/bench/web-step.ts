/**
 * One U-Net training step (forward, CE + soft Dice, backward, Adam; the whole step as one ONNX
 * graph from buildTrainingStep) on onnxruntime-web (wasm, in headless Chromium) against
 * onnxruntime-node (CPU, in this process): seg-bench's default model (U-Net depth 2, width 8,
 * 3 classes), 32x32 images, batch 8; the same model bytes and the same feeds on both sides.
 *
 *   pnpm --filter @losskit/onnx-train bench:web [--budget 6] [--threads 1,2]
 *
 * The feeds are the first step's (initial weights of seed 0, zero Adam state, one synthetic batch)
 * and every run repeats that step, so both sides do identical work. Rounds are interleaved in a
 * fresh random order each (the page and the measurement are @losskit/onnx's bench/web, shared);
 * 1-thread and 2-thread pairs are measured apart. Sessions as the Trainer opens them
 * (graph optimizations 'all', memory pattern off).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { add } from '@losskit/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { WebBench, loadAverage, measure, nodeRunner } from '../../onnx/bench/web/driver.js';
import { buildTrainingStep, checkBatch, createModel, initialValues, shapesBatch } from '../src/index.js';
import { crossEntropy, softDice } from '../src/testing/losses.js';

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: '6' },
    threads: { type: 'string', default: '1,2' },
  },
});
const threadCounts = values.threads.split(',').map(Number);
const BATCH = 8;
const SIZE = 32;
const model = createModel({ kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 });
const graph = buildTrainingStep(model, add(crossEntropy(), softDice()), { kind: 'adam' }, { batch: BATCH, height: SIZE, width: SIZE });

// the first step's feeds, as Trainer.step builds them
const batch = shapesBatch(BATCH, SIZE, 0);
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const feeds: Record<string, Tensor> = {
  [graph.images]: new Tensor('float32', batch.images, [...batch.shape]),
  [graph.labels]: new Tensor('int32', checkBatch(batch, model.inChannels, model.sizeMultiple), [BATCH, SIZE, SIZE]),
  [graph.learningRate]: new Tensor('float32', Float32Array.of(3e-3), []),
  [graph.step]: new Tensor('float32', Float32Array.of(1), []),
};
for (const spec of model.parameters) feeds[graph.parameters.get(spec.name)!.input] = new Tensor('float32', initialValues(spec, 0), [...spec.shape]);
for (const spec of model.buffers)
  feeds[graph.buffers.get(spec.name)!.input] = new Tensor('float32', new Float32Array(numel(spec.shape)).fill(spec.init === 'ones' ? 1 : 0), [...spec.shape]);
for (const carried of [...graph.optimizerState.values(), ...graph.lossState.values()])
  feeds[carried.input] = new Tensor('float32', new Float32Array(numel(carried.shape)), [...carried.shape]);
if (graph.dropouts.length > 0) throw new Error('the benchmarked U-Net has no dropout');

const web = await WebBench.start(threadCounts);
console.log(`# one U-Net training step (depth 2, width 8, ${SIZE}x${SIZE}, batch ${BATCH}, Adam; ${graph.nodeCount} nodes): onnxruntime-web wasm (Chromium) vs onnxruntime-node CPU`);
console.log(`# ${new Date().toISOString()}, load average (1, 5, 15 min) at start: ${loadAverage()}`);
for (const t of threadCounts) {
  const info = await web.info(t);
  console.log(`# web page for ${t} thread(s): ort.env.wasm.numThreads = ${info.numThreads}, crossOriginIsolated = ${info.crossOriginIsolated}`);
}
web.addModel('unet_step', graph.bytes, feeds);
const rows: string[] = [];
let reference: number | undefined;
for (const threads of threadCounts) {
  const node = await InferenceSession.create(graph.bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    logSeverityLevel: 3,
  });
  const page = await web.open(threads, 'unet_step', 'wasm', { enableMemPattern: false });
  // same step, same loss: checked before anything is timed
  const nodeLoss = Number((await node.run(feeds))[graph.loss]!.data[0]);
  const webLoss = (await page.outputs())[graph.loss]![0]!;
  reference ??= nodeLoss;
  if (Math.abs(webLoss - nodeLoss) > 1e-5 * (1 + Math.abs(nodeLoss))) throw new Error(`loss differs: web ${webLoss}, node ${nodeLoss}`);
  const t = await measure({ node: nodeRunner(node, feeds), web: page.time }, Number(values.budget) * 1000);
  const row = `| ${threads} | ${t.node!.toFixed(1)} ms (${(BATCH / (t.node! / 1000)).toFixed(0)} img/s) | ${t.web!.toFixed(1)} ms (${(BATCH / (t.web! / 1000)).toFixed(0)} img/s) | ${(t.web! / t.node!).toFixed(2)}x |`;
  console.log(row, `load ${loadavg()[0]!.toFixed(2)}`);
  rows.push(row);
  await page.release();
  await node.release();
}
await web.stop();
console.log(`\n# load average (1, 5, 15 min) at the end: ${loadAverage()}; first-step loss ${reference} on both sides`);
if (web.problems.length > 0) console.log(`# page problems: ${web.problems.join('; ')}`);
console.log('\n| threads | node CPU, median per step | web wasm, median per step | web/node (above 1: web slower) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
