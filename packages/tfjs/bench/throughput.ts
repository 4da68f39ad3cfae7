/**
 * Value + gradient throughput of compiled losses vs the same losses written by hand with tf ops
 * and tf.valueAndGrad, on the tfjs cpu and wasm backends, side by side in one process. The compiled
 * loss runs twice: with fused kernels (the default) and with one kernel per op (`fuse: false`, the
 * path of the backends fused kernels do not run on).
 *
 *   pnpm --filter @losskit/tfjs bench            (or: npx tsx --conditions=source bench/throughput.ts)
 *   BENCH_QUICK=1 ... : 2^16 only;  BENCH_KERNELS_ONLY=1 ... : kernel counts, no timing;
 *   BENCH_BACKENDS=wasm ... : only these backends (comma-separated; default cpu,wasm)
 *   BENCH_LOSSES='Lovász-softmax,Dice+CE' ... : only these losses (comma-separated; default all)
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { compile } from '../src/index.js';
import { HAND, LOSSES, agreement } from './losses.js';

/**
 * Counts kernel dispatches (engine.runKernel) made while f runs: all of them, and those touching a
 * tensor of at least `large` elements (the per-element work; the rest are scalar bookkeeping).
 */
function countKernels(f: () => void, large: number): { all: number; large: number } {
  const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
  const original = engine.runKernel;
  const count = { all: 0, large: 0 };
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    count.all++;
    if (Object.values(args[1] as Record<string, tf.Tensor>).some((t) => t.size >= large)) count.large++;
    return original.apply(this, args);
  };
  try {
    f();
  } finally {
    engine.runKernel = original;
  }
  return count;
}


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  backend: string;
  loss: string;
  elements: number;
  hand: number;
  compiled: number;
  unfused: number;
  handKernels: { all: number; large: number };
  compiledKernels: { all: number; large: number };
  unfusedKernels: { all: number; large: number };
}

async function measure(backend: string, name: string, shape: number[]): Promise<Row> {
  const elements = shape.reduce((a, b) => a * b, 1);
  const pred = tf.randomNormal(shape, 0, 1.5, 'float32', 1);
  const target = tf.tidy(() => tf.oneHot(tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 2), -1), shape.at(-1)!).toFloat());
  const loss = compile(LOSSES[name]!, { checkFinite: false });
  const perOp = compile(LOSSES[name]!, { checkFinite: false, fuse: false });
  const handGrad = tf.valueAndGrad((p: tf.Tensor) => HAND[name]!(p, target));
  const runHand = () => {
    const { value, grad } = handGrad(pred);
    value.dataSync();
    grad.dataSync();
    tf.dispose([value, grad]);
  };
  const runner = (compiled: typeof loss) => () => {
    const { value, grads } = compiled.valueAndGrad({ pred, target }, { training: false });
    value.dataSync();
    grads.pred!.dataSync();
    tf.dispose([value, grads.pred!]);
  };
  const runCompiled = runner(loss);
  const runUnfused = runner(perOp);
  // same numbers first: the hand-written twin must compute the same loss and gradient
  tf.tidy(() => {
    const h = handGrad(pred);
    const c = loss.valueAndGrad({ pred, target }, { training: false });
    const dv = Math.abs(h.value.dataSync()[0]! - c.value.dataSync()[0]!) / Math.abs(h.value.dataSync()[0]!);
    const dg = tf.max(tf.abs(tf.sub(h.grad, c.grads.pred!))).dataSync()[0]! / tf.max(tf.abs(h.grad)).dataSync()[0]!;
    const tolerance = agreement(name);
    if (!(dv < tolerance.value && dg < tolerance.gradient)) throw new Error(`${name}: hand-written and compiled disagree (value ${dv}, gradient ${dg})`);
  });
  // per-pixel tensors (a class axis of 1) count as large too
  const large = elements / shape.at(-1)!;
  const handKernels = countKernels(runHand, large);
  const compiledKernels = countKernels(runCompiled, large);
  const unfusedKernels = countKernels(runUnfused, large);
  if (process.env.BENCH_KERNELS_ONLY === '1') {
    tf.dispose([pred, target]);
    loss.dispose();
    perOp.dispose();
    return { backend, loss: name, elements, hand: Number.NaN, compiled: Number.NaN, unfused: Number.NaN, handKernels, compiledKernels, unfusedKernels };
  }
  const hand: number[] = [];
  const compiled: number[] = [];
  const unfused: number[] = [];
  const first = performance.now();
  runHand();
  const reps = Math.max(3, Math.min(25, Math.floor(2500 / (performance.now() - first))));
  for (let r = 0; r < reps; r++) {
    // interleaved, so both see the same machine load
    let t = performance.now();
    runHand();
    hand.push(performance.now() - t);
    t = performance.now();
    runCompiled();
    compiled.push(performance.now() - t);
    t = performance.now();
    runUnfused();
    unfused.push(performance.now() - t);
  }
  tf.dispose([pred, target]);
  loss.dispose();
  const rate = (ms: number[]) => elements / (median(ms) / 1000);
  perOp.dispose();
  return {
    backend,
    loss: name,
    elements,
    hand: rate(hand),
    compiled: rate(compiled),
    unfused: rate(unfused),
    handKernels,
    compiledKernels,
    unfusedKernels,
  };
}

const fmtRate = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : `${(r / 1e3).toFixed(0)}k`);

async function main() {
  const quick = process.env.BENCH_QUICK === '1';
  const shapes = quick ? [[4, 64, 64, 4]] : [[4, 64, 64, 4], [4, 256, 256, 4]];
  const rows: Row[] = [];
  for (const backend of (process.env.BENCH_BACKENDS ?? 'cpu,wasm').split(',')) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const shape of shapes)
      for (const name of process.env.BENCH_LOSSES?.split(',') ?? Object.keys(LOSSES)) {
        const row = await measure(backend, name, shape);
        rows.push(row);
        console.error(`${backend} ${name} 2^${Math.log2(row.elements)}: ${(row.compiled / row.hand).toFixed(2)}x`);
      }
  }
  console.log(`load average (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  console.log(
    '| backend | loss | elements | hand-written (elem/s) | compiled (elem/s) | ratio | one kernel per op (elem/s) | its ratio | kernels hand (large) | kernels compiled (large) | kernels one per op (large) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.backend} | ${r.loss} | 2^${Math.log2(r.elements)} | ${fmtRate(r.hand)} | ${fmtRate(r.compiled)} | ${(r.compiled / r.hand).toFixed(2)}x | ${fmtRate(r.unfused)} | ${(r.unfused / r.hand).toFixed(2)}x | ${r.handKernels.all} (${r.handKernels.large}) | ${r.compiledKernels.all} (${r.compiledKernels.large}) | ${r.unfusedKernels.all} (${r.unfusedKernels.large}) |`,
    );
}

await main();
