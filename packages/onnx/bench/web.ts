/**
 * Loss graphs on onnxruntime-web (wasm, in headless Chromium) against onnxruntime-node (CPU, in
 * this process): value + d/dpred of experiments 1, 7, 12, 22, 27 and Dice+CE (bench/cases.ts,
 * the batch reading), the same model bytes and the same feeds on both sides.
 *
 *   pnpm --filter @losskit/onnx bench:web [--sizes 16,20] [--budget 2] [--threads 1,2] [--cases 'experiment 1,Dice']
 *
 * Per row the configurations run in interleaved rounds, a fresh random order each (web/driver.ts
 * `measure`); the 1-thread and the 2-thread pair are measured apart (a 2-thread pool spins after
 * each run and would slow whatever runs next). Then each graph runs once on the WebGPU EP in the
 * page (Chromium's software GPU, SwiftShader): its outputs against onnxruntime-node's, correctness only.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildFeeds, freshTensors } from '../src/session.js';
import { toOnnx } from '../src/to-onnx.js';
import { benchCases, benchData } from './cases.js';
import { WebBench, loadAverage, measure, nodeRunner } from './web/driver.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '16,20' },
    budget: { type: 'string', default: '2' },
    classes: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1,2' },
    cases: { type: 'string' },
  },
});
const C = Number(values.classes);
const N = 4;
const budgetMs = Number(values.budget) * 1000;
const exponents = values.sizes.split(',').map(Number);
const threadCounts = values.threads.split(',').map(Number);
const wanted = values.cases?.split(',');
const cases = benchCases(C).filter((c) => !wanted || wanted.some((w) => c.label.includes(w)));
const compileOptions = { gradients: ['pred'], sizes: { class: C } };

const fmt = (elementsPerSecond: number) => {
  const m = elementsPerSecond / 1e6;
  return `${m < 10 ? m.toFixed(1) : m.toFixed(0)}M`;
};

/** Largest |a - b| over an output, relative to the output's largest |b|. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

const web = await WebBench.start(threadCounts);
console.log(`# loss graphs, value + d/dpred, N=${N} C=${C}: onnxruntime-web wasm (Chromium) vs onnxruntime-node CPU, median ms per run`);
console.log(`# ${new Date().toISOString()}, ${availableParallelism()} logical CPUs, load average (1, 5, 15 min) at start: ${loadAverage()}`);
for (const t of threadCounts) {
  const info = await web.info(t);
  console.log(`# web page for ${t} thread(s): ort.env.wasm.numThreads = ${info.numThreads}, crossOriginIsolated = ${info.crossOriginIsolated}; ${info.userAgent}`);
}
const rows: string[] = [];
const gpuRows: string[] = [];
for (const c of cases) {
  const model = toOnnx(c.loss, compileOptions);
  for (const k of exponents) {
    const elements = 2 ** k;
    const HW = elements / (N * C);
    const side = Math.sqrt(HW);
    const [H, W] = Number.isInteger(side) ? [side, side] : [HW, 1];
    const data = benchData(N, C, HW, k);
    const inputs =
      c.targetInput === 'labels'
        ? { pred: { shape: [N, C, H, W], data: data.pred }, labels: { shape: [N, H, W], data: data.labels } }
        : { pred: { shape: [N, C, H, W], data: data.pred }, target: { shape: [N, C, H, W], data: data.target } };
    const feeds = buildFeeds(model, { inputs, params: { ...c.loss.params } }, {}, freshTensors(Tensor));
    const id = `${c.label.replace(/\W+/g, '_')}_${k}`;
    web.addModel(id, model.bytes, feeds);
    const cells: string[] = [];
    for (const threads of threadCounts) {
      const node = await InferenceSession.create(model.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
      const page = await web.open(threads, id, 'wasm');
      const t = await measure({ node: nodeRunner(node, feeds), web: page.time }, budgetMs);
      cells.push(`${t.node!.toFixed(2)} ms (${fmt(elements / (t.node! / 1000))}/s)`, `${t.web!.toFixed(2)} ms (${fmt(elements / (t.web! / 1000))}/s)`, `${(t.web! / t.node!).toFixed(2)}x`);
      await page.release();
      await node.release();
    }
    const row = `| ${c.label} | 2^${k} | ${cells.join(' | ')} |`;
    console.log(row, `load ${loadavg()[0]!.toFixed(2)}`);
    rows.push(row);

    // WebGPU EP: one run, outputs against onnxruntime-node's (correctness only)
    const reference = await InferenceSession.create(model.bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const want = await reference.run(feeds);
    await reference.release();
    try {
      const gpu = await web.open(threadCounts[0]!, id, 'webgpu');
      const got = await gpu.outputs();
      await gpu.release();
      const diffs = Object.entries(want).map(([name, t]) => `${name} ${relativeDifference(got[name] ?? [], t.data as Float32Array).toExponential(1)}`);
      gpuRows.push(`| ${c.label} | 2^${k} | ${Number(want.loss!.data[0]).toPrecision(7)} | ${Number(got.loss?.[0]).toPrecision(7)} | ${diffs.join(', ')} |`);
    } catch (error) {
      gpuRows.push(`| ${c.label} | 2^${k} | ${Number(want.loss!.data[0]).toPrecision(7)} | failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]} | |`);
    }
  }
}
await web.stop();
console.log(`\n# load average (1, 5, 15 min) at the end: ${loadAverage()}`);
if (web.problems.length > 0) console.log(`# page problems: ${web.problems.join('; ')}`);
console.log('\n## value + d/dpred, median ms per run (elements/s); ratio = web / node time (above 1: web slower)\n');
console.log(`| loss | elements | ${threadCounts.map((t) => `node ${t}t | web wasm ${t}t | web/node ${t}t`).join(' | ')} |`);
console.log(`|---|---|${threadCounts.map(() => '---|---|---|').join('')}`);
for (const r of rows) console.log(r);
console.log('\n## WebGPU EP (SwiftShader software GPU), one run: correctness only, not timed\n');
console.log('| loss | elements | loss, node CPU | loss, web WebGPU | worst difference per output (relative to its largest value) |');
console.log('|---|---|---|---|---|');
for (const r of gpuRows) console.log(r);
