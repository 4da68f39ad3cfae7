/**
 * Value + gradient throughput of compiled loss graphs (ONNX Runtime CPU) against a hand-written
 * fused JS loop and a hand-built ONNX graph of the same loss, side by side in one process.
 *
 *   pnpm --filter @losskit/onnx bench [--sizes 16,20,22] [--budget 1.5] [--classes 4]
 *
 * Each (loss, size) runs its configurations in interleaved rounds, each round in a fresh random
 * order (so machine load, and whatever cache state the previous configuration leaves behind, hit
 * all of them alike) until the time budget is spent; the median time per run is reported as elements/s.
 * The compiled sessions are told the class count (`sizes: { class }`), as the hand-built graphs know it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@losskit/core';
import onnxProto from 'onnx-proto';
import { compile as compileTfjs } from '@losskit/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildFeeds, createLossSession, freshTensors } from '../src/session.js';
import { toOnnx } from '../src/to-onnx.js';
import { type BenchCase, benchCases, benchData } from './cases.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '16,20,22' },
    budget: { type: 'string', default: '1.5' },
    classes: { type: 'string', default: '4' },
    cases: { type: 'string' },
    tfjs: { type: 'string', default: 'wasm,cpu' },
    'tfjs-cpu-max': { type: 'string', default: '20' },
  },
});
const C = Number(values.classes);
const N = 4;
const budgetMs = Number(values.budget) * 1000;
const exponents = values.sizes.split(',').map(Number);
const wanted = values.cases?.split(',');
const cases = benchCases(C).filter((c) => !wanted || wanted.some((w) => c.label.includes(w)));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const fmt = (elementsPerSecond: number) => {
  const m = elementsPerSecond / 1e6;
  return `${m < 10 ? m.toFixed(1) : m.toFixed(0)}M`;
};
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

type Runner = () => Promise<void> | void;

const random = seededRandom(20);
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The compile options of every compiled graph here: value + d/dpred, the class count known. */
const compileOptions = { gradients: ['pred'], sizes: { class: Number(values.classes) } };

/** Nodes in the graph ONNX Runtime runs after its own optimizations (constant folding, CSE, fusions). */
async function optimizedNodeCount(bytes: Uint8Array): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'losskit-bench-'));
  const file = join(dir, 'optimized.onnx');
  // logSeverityLevel 3: no warning that the saved graph holds NCHWc layout nodes for this CPU
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1, optimizedModelFilePath: file, logSeverityLevel: 3 });
  await session.release();
  const count = onnxProto.onnx.ModelProto.decode(readFileSync(file)).graph?.node?.length ?? 0;
  rmSync(dir, { recursive: true, force: true });
  return count;
}

interface Timing {
  /** Median wall-clock ms per run. */
  wall: number;
  /** Median process CPU ms (user + system) per run: robust to the machine being shared for 1-thread runs. */
  cpu: number;
}

async function measure(runners: Record<string, Runner>): Promise<Record<string, Timing>> {
  const wall: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  // warm-up: up to 200 runs or 0.25 s each, at least 2 (ONNX Runtime plans its memory on the first
  // runs; V8 optimizes a session's JS side, the input handling, only after some hundred calls)
  for (const run of Object.values(runners)) {
    const until = performance.now() + 250;
    for (let i = 0; i < 200 && (i < 2 || performance.now() < until); i++) await run();
  }
  const start = performance.now();
  let rounds = 0;
  while ((performance.now() - start < budgetMs || rounds < 5) && rounds < 300) {
    // a fresh random order each round: with a fixed cyclic order one configuration would always
    // run right after the same other one (the JS loop evicts the caches for whatever follows it)
    const rotated = shuffle(Object.entries(runners));
    for (const [name, run] of rotated) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run();
      wall[name]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[name]!.push((c.user + c.system) / 1000);
    }
    rounds++;
  }
  return Object.fromEntries(Object.keys(runners).map((k) => [k, { wall: median(wall[k]!), cpu: median(cpu[k]!) }]));
}

async function sessionCreation(c: BenchCase): Promise<{ compileMs: number; sessionMs: number }> {
  const compile: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const model = toOnnx(c.loss, compileOptions);
    const t1 = performance.now();
    const session = await InferenceSession.create(model.bytes, { intraOpNumThreads: 1 });
    const t2 = performance.now();
    await session.release();
    compile.push(t1 - t0);
    open.push(t2 - t1);
  }
  return { compileMs: median(compile), sessionMs: median(open) };
}

const tfjsBackends = values.tfjs.split(',').filter((b) => b.length > 0);
const tfjsCpuMax = Number(values['tfjs-cpu-max']);

/** @losskit/tfjs compiled value+gradient on one tfjs backend (NCHW, same data): median ms of 3 runs after a warm-up. */
async function tfjsTime(backend: string, c: BenchCase, data: ReturnType<typeof benchData>, shape: number[]): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const [n, classes, h, w] = shape as [number, number, number, number];
  const loss = compileTfjs(c.loss, { layout: 'NCHW', checkFinite: false });
  const pred = tf.tensor(data.pred, shape);
  const other =
    c.targetInput === 'labels' ? { labels: tf.tensor(data.labels, [n, 1, h, w]) } : { target: tf.tensor(data.target, [n, classes, h, w]) };
  const run = () => {
    const { value, grads } = loss.valueAndGrad({ pred, ...other }, { training: false });
    value.dataSync();
    grads.pred!.dataSync();
    tf.dispose([value, grads.pred!]);
  };
  run();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  tf.dispose([pred, ...Object.values(other)]);
  loss.dispose();
  return median(times);
}

const rows: string[] = [];
const cpuRows: string[] = [];
const tfjsRows: string[] = [];
const creationRows: string[] = [];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`# value + gradient throughput, N=${N} C=${C}, median over interleaved rounds (${values.budget}s budget each)`);
console.log(`# ${new Date().toISOString()}, load average (1, 5, 15 min) at start: ${load()}`);
for (const c of cases) {
  const created = await sessionCreation(c);
  const model = toOnnx(c.loss, compileOptions);
  const hand = c.handBuilt('tuned');
  const handNodes = onnxProto.onnx.ModelProto.decode(hand).graph?.node?.length ?? 0;
  creationRows.push(
    `| ${c.label} | ${model.nodeCount} | ${await optimizedNodeCount(model.bytes)} | ${handNodes} | ${await optimizedNodeCount(hand)} | ${created.compileMs.toFixed(1)} ms | ${created.sessionMs.toFixed(1)} ms |`,
  );
  for (const k of exponents) {
    const elements = 2 ** k;
    const HW = elements / (N * C);
    const side = Math.sqrt(HW);
    const [H, W] = Number.isInteger(side) ? [side, side] : [HW, 1];
    const data = benchData(N, C, HW, k);
    const grad = new Float32Array(elements);
    const scratch = { p: new Float32Array(elements), sums: new Float64Array(2 * C) };
    const params = { ...c.loss.params };
    const ours = {
      1: await createLossSession(c.loss, { ...compileOptions, intraOpThreads: 1, interOpThreads: 1 }),
      2: await createLossSession(c.loss, { ...compileOptions, intraOpThreads: 2, interOpThreads: 1 }),
    };
    // the same compiled graph without LEAN_REWRITES: what they gain, measured in the same rounds
    const plain = await createLossSession(c.loss, { ...compileOptions, lean: false, intraOpThreads: 1, interOpThreads: 1 });
    // the compiled graph run like the hand-built ones (prebuilt feeds, bare session): graph against graph
    const graph = await InferenceSession.create(model.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const handBytes = c.handBuilt('tuned');
    const hand = {
      1: await InferenceSession.create(handBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
      2: await InferenceSession.create(handBytes, { intraOpNumThreads: 2, interOpNumThreads: 1 }),
    };
    const handNative = await InferenceSession.create(c.handBuilt('native'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const inputs =
      c.targetInput === 'labels'
        ? { pred: { shape: [N, C, H, W], data: data.pred }, labels: { shape: [N, H, W], data: data.labels } }
        : { pred: { shape: [N, C, H, W], data: data.pred }, target: { shape: [N, C, H, W], data: data.target } };
    const handFeeds: Record<string, Tensor> = { pred: new Tensor('float32', data.pred, [N, C, H, W]) };
    if (c.targetInput === 'labels') handFeeds.labels = new Tensor('float32', data.labels, [N, 1, H, W]);
    else handFeeds.target = new Tensor('float32', data.target, [N, C, H, W]);
    for (const [name, v] of Object.entries(params)) handFeeds[name] = new Tensor('float32', Float32Array.of(v), []);
    const graphFeeds = buildFeeds(model, { inputs, params }, {}, freshTensors(Tensor));

    // 1-thread and 2-thread configurations are measured apart: a 2-thread session's pool keeps
    // spinning for a while after each run and would steal CPU from whatever runs next
    const one = await measure({
      js: () => {
        c.fused(data, grad, scratch, params);
      },
      ours1: async () => {
        await ours[1].run({ inputs, params });
      },
      hand1: async () => {
        await hand[1].run(handFeeds);
      },
      graph1: async () => {
        await graph.run(graphFeeds);
      },
      plain1: async () => {
        await plain.run({ inputs, params });
      },
      native1: async () => {
        await handNative.run(handFeeds);
      },
    });
    const two = await measure({
      ours2: async () => {
        await ours[2].run({ inputs, params });
      },
      hand2: async () => {
        await hand[2].run(handFeeds);
      },
    });
    const t = { ...one, ...two };
    const rate = (ms: number) => elements / (ms / 1000);
    const r = Object.fromEntries(Object.entries(t).map(([name, time]) => [name, rate(time.wall)])) as Record<keyof typeof t, number>;
    const rc = Object.fromEntries(Object.entries(t).map(([name, time]) => [name, rate(time.cpu)])) as Record<keyof typeof t, number>;
    const row = `| ${c.label} | 2^${k} | ${fmt(r.js!)} | ${fmt(r.ours1!)} | ${fmt(r.hand1!)} | ${fmt(r.ours2!)} | ${fmt(r.hand2!)} | ${ratio(r.ours1!, r.js!)} | ${ratio(r.ours2!, r.js!)} | ${ratio(r.ours1!, r.hand1!)} | ${ratio(r.ours2!, r.hand2!)} | ${fmt(r.graph1!)} | ${ratio(r.graph1!, r.hand1!)} |`;
    const cpuRow = `| ${c.label} | 2^${k} | ${fmt(rc.js!)} | ${fmt(rc.ours1!)} | ${fmt(rc.hand1!)} | ${fmt(rc.native1!)} | ${ratio(rc.ours1!, rc.js!)} | ${ratio(rc.ours1!, rc.hand1!)} | ${ratio(rc.ours1!, rc.native1!)} | ${fmt(rc.plain1!)} | ${ratio(rc.ours1!, rc.plain1!)} | ${fmt(rc.graph1!)} | ${ratio(rc.graph1!, rc.hand1!)} |`;
    console.log(row);
    console.log(cpuRow);
    rows.push(row);
    cpuRows.push(cpuRow);
    const tfjsCells: string[] = [];
    for (const backend of tfjsBackends) {
      if (backend === 'cpu' && k > tfjsCpuMax) {
        tfjsCells.push('—', '—');
        continue;
      }
      try {
        const ms = await tfjsTime(backend, c, data, [N, C, H, W]);
        tfjsCells.push(fmt(elements / (ms / 1000)), ratio(r.ours1!, elements / (ms / 1000)));
      } catch (error) {
        tfjsCells.push(`failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 60)}`, '—');
      }
    }
    if (tfjsBackends.length > 0) {
      const tfjsRow = `| ${c.label} | 2^${k} | ${fmt(r.ours1!)} | ${tfjsCells.join(' | ')} |`;
      console.log(tfjsRow);
      tfjsRows.push(tfjsRow);
    }
    for (const s of [...Object.values(ours)]) await s.release();
    for (const s of [...Object.values(hand), handNative, plain, graph]) await s.release();
  }
}

console.log(`\n# load average (1, 5, 15 min) at the end: ${load()}`);
console.log('\n## value + gradient, elements/s per CPU second (median process CPU time; 1 thread)\n');
console.log(
  '| loss | elements | fused JS | compiled 1t | hand-built tuned 1t | hand-built native 1t | compiled/JS | compiled/tuned | compiled/native | compiled, lean: false | compiled/lean: false | compiled graph, prebuilt feeds 1t | graph/tuned 1t |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of cpuRows) console.log(r);
console.log('\n## value + gradient, elements/s (median wall clock)\n');
console.log(
  '| loss | elements | fused JS | compiled 1t | hand-built tuned 1t | compiled 2t | hand-built tuned 2t | compiled/JS 1t | compiled/JS 2t | compiled/tuned 1t | compiled/tuned 2t | compiled graph, prebuilt feeds 1t | graph/tuned 1t |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (tfjsBackends.length > 0) {
  console.log(`\n## against @losskit/tfjs (compiled, symbolic gradient, NCHW), elements/s (median of 3; cpu up to 2^${tfjsCpuMax})\n`);
  console.log(`| loss | elements | compiled ONNX 1t | ${tfjsBackends.map((b) => `tfjs ${b} | ONNX 1t / tfjs ${b}`).join(' | ')} |`);
  console.log(`|---|---|---|${tfjsBackends.map(() => '---|---|').join('')}`);
  for (const r of tfjsRows) console.log(r);
}
console.log('\n## nodes (in the file, and as ONNX Runtime runs them after its optimizations); compile + session creation (median of 5)\n');
console.log('| loss | compiled nodes | compiled, ORT-optimized | hand-built tuned nodes | hand-built, ORT-optimized | toOnnx | InferenceSession.create |');
console.log('|---|---|---|---|---|---|---|');
for (const r of creationRows) console.log(r);
