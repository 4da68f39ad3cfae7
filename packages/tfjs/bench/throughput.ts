/**
 * Value + gradient throughput of compiled losses vs the same losses written by hand with tf ops
 * and tf.valueAndGrad, on the tfjs cpu and wasm backends, side by side in one process. The compiled
 * loss runs twice: with fused kernels (the default) and with one kernel per op (`fuse: false`, the
 * path of the backends fused kernels do not run on).
 *
 *   pnpm --filter @losskit/tfjs bench            (or: npx tsx --conditions=source bench/throughput.ts)
 *   BENCH_QUICK=1 ... : 2^16 only;  BENCH_KERNELS_ONLY=1 ... : kernel counts, no timing;
 *   BENCH_BACKENDS=wasm ... : only these backends (comma-separated; default cpu,wasm)
 */
import { type Loss, catalogue, paperExperiments, weightedSum } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { compile } from '../src/index.js';

const A = 0.25;
const B = 0.5;
type Hand = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/** The base terms as one would write them in tfjs (NHWC, class last). */
function terms(pred: tf.Tensor, target: tf.Tensor) {
  const crossEntropy = tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(pred)), -1)));
  const difference = tf.sub(tf.softmax(pred), target);
  return { crossEntropy, L1: tf.mean(tf.abs(difference)), L2: tf.mean(tf.square(difference)), difference };
}
const biElu = (z: tf.Tensor) => tf.sub(tf.elu(z), tf.elu(tf.neg(z)));
/** A*Step1 with Step1 = A L1 - (1-A) L1 - B L2 (Eqs. 4-6) */
const step1Mixed = (L1: tf.Tensor, L2: tf.Tensor) => tf.sub(tf.sub(tf.mul(A, L1), tf.mul(1 - A, L1)), tf.mul(B, L2));
const step1Linear = (L1: tf.Tensor, L2: tf.Tensor) => tf.sub(tf.sub(tf.mul(A, L1), tf.mul(B, L1)), tf.mul(B, L2));

/** Hand-written twins of the compiled losses (the exp cap never engages at these values). */
const HAND: Record<string, Hand> = {
  'exp 1': (p, t) => terms(p, t).crossEntropy as tf.Scalar,
  'exp 7': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    return tf.addN([crossEntropy, tf.mul(tf.mul(A, L1), tf.exp(tf.mul(B, L2))), tf.mul(A, L1), tf.mul(B, L2)]) as tf.Scalar;
  },
  'exp 12': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Mixed(L1, L2)), tf.mul(1 - A, L2));
    return tf.add(crossEntropy, biElu(z)) as tf.Scalar;
  },
  'exp 22': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Mixed(L1, L2)), tf.mul(1 - A, L2));
    return tf.addN([crossEntropy, biElu(z), tf.mul(tf.mul(A, L1), tf.exp(tf.mul(1 - A, L2)))]) as tf.Scalar;
  },
  'exp 27': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Linear(L1, L2)), tf.mul(B, L2));
    return tf.addN([crossEntropy, biElu(z), tf.mul(tf.mul(A, L1), tf.exp(tf.mul(B, L2)))]) as tf.Scalar;
  },
  'Dice+CE': (p, t) => {
    const probs = tf.softmax(p);
    const axes = [0, 1, 2];
    const intersection = tf.sum(tf.mul(probs, t), axes);
    const denominator = tf.maximum(tf.add(tf.add(tf.sum(probs, axes), tf.sum(t, axes)), 1e-5), 1e-7);
    const dice = tf.mean(tf.sub(1, tf.div(tf.add(tf.mul(2, intersection), 1e-5), denominator)));
    const crossEntropy = tf.mean(tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(p)), -1)));
    return tf.add(dice, crossEntropy) as tf.Scalar;
  },
};

const experiment = (id: number) => paperExperiments.find((e) => e.id === id)!.build({ reading: 'batch' });
const LOSSES: Record<string, Loss> = {
  'exp 1': experiment(1),
  'exp 7': experiment(7),
  'exp 12': experiment(12),
  'exp 22': experiment(22),
  'exp 27': experiment(27),
  'Dice+CE': weightedSum('dice+ce', [{ loss: catalogue.dice() }, { loss: catalogue.categoricalCrossEntropy() }]),
};

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
    if (!(dv < 1e-4 && dg < 1e-3)) throw new Error(`${name}: hand-written and compiled disagree (value ${dv}, gradient ${dg})`);
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
      for (const name of Object.keys(LOSSES)) {
        const row = await measure(backend, name, shape);
        rows.push(row);
        console.error(`${backend} ${name} 2^${Math.log2(row.elements)}: ${(row.compiled / row.hand).toFixed(2)}x`);
      }
  }
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
