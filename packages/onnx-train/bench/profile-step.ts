/**
 * Where a training step's time goes: ORT's profiler over a few steps of one step graph, kernel time
 * summed per node kind (op type, and for the backward of convolutions which rule built it).
 *
 *   pnpm --filter @losskit/onnx-train exec tsx --conditions=source bench/profile-step.ts unet-d3w16 128 1
 *   arguments: model (unet-d2w8 | unet-d3w16 | fcn8s), size, threads, [steps = 3]
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { paperExperiments } from '@losskit/core';
import * as ort from 'onnxruntime-node';
import { type ModelConfig, buildTrainingStep, createModel, initialValues, shapesBatch } from '../src/index.js';

const MODELS: Record<string, ModelConfig> = {
  'unet-d2w8': { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 },
  'unet-d3w16': { kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16 },
  fcn8s: { kind: 'fcn', numClasses: 3, baseWidth: 16, variant: '8s' },
};
const [name = 'unet-d3w16', sizeArg = '128', threadsArg = '1', stepsArg = '3'] = process.argv.slice(2);
const size = Number(sizeArg);
const model = createModel(MODELS[name]!);
const graph = buildTrainingStep(model, paperExperiments[26]!.build({ reading: 'batch' }), { kind: 'adam' }, { batch: 8, height: size, width: size });
const session = await ort.InferenceSession.create(graph.bytes, {
  intraOpNumThreads: Number(threadsArg),
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: `/tmp/losskit-profile-${process.pid}`,
});
const batch = shapesBatch(8, size, 0);
const t = (data: Float32Array, shape: readonly number[]) => new ort.Tensor('float32', data, [...shape]);
const feeds: Record<string, ort.Tensor> = {
  [graph.images]: t(batch.images, batch.shape),
  [graph.labels]: new ort.Tensor('int32', Int32Array.from(batch.labels), [8, size, size]),
  [graph.learningRate]: t(Float32Array.of(1e-3), []),
  [graph.step]: t(Float32Array.of(1), []),
};
const zeros = (shape: readonly number[]) => new Float32Array(shape.reduce((a, b) => a * b, 1));
for (const p of model.parameters) feeds[graph.parameters.get(p.name)!.input] = t(initialValues(p, 0), p.shape);
for (const [, v] of graph.buffers) feeds[v.input] = t(zeros(v.shape).fill(1), v.shape);
for (const [, v] of graph.optimizerState) feeds[v.input] = t(zeros(v.shape), v.shape);
for (const [, v] of graph.lossState) feeds[v.input] = t(zeros(v.shape), v.shape);
const steps = Number(stepsArg);
const times: number[] = [];
for (let i = 0; i <= steps; i++) {
  const start = performance.now();
  await session.run(feeds);
  if (i > 0) times.push(performance.now() - start);
}
session.endProfiling();
await session.release();
// onnxruntime-node writes <prefix>_<timestamp>.json and does not return the name
const prefix = `losskit-profile-${process.pid}`;
const file = `/tmp/${readdirSync('/tmp').find((f) => f.startsWith(prefix) && f.endsWith('.json'))}`;
const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
rmSync(file);
const perKind = new Map<string, { us: number; count: number }>();
let total = 0;
const runs = steps + 1;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  const node = e.name.slice(0, -'_kernel_time'.length);
  const kind = op === 'Conv' && node.startsWith('Conv') ? 'Conv (backward)' : op === 'ConvTranspose' && !node.includes('.') ? 'ConvTranspose (backward)' : op;
  const entry = perKind.get(kind) ?? { us: 0, count: 0 };
  entry.us += e.dur / runs;
  entry.count += 1 / runs;
  perKind.set(kind, entry);
  total += e.dur / runs;
}
console.log(
  `${name} ${size} px, ${threadsArg} thread(s), ${graph.nodeCount} nodes: ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(0)} ms/step (profiled), kernels ${(total / 1000).toFixed(0)} ms, load ${loadavg()[0]!.toFixed(2)}`,
);
for (const [kind, { us, count }] of [...perKind].sort((a, b) => b[1].us - a[1].us).slice(0, 25))
  console.log(`${kind.padEnd(28)} ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${count.toFixed(0)} nodes`);
