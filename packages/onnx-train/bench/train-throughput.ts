/**
 * Training throughput (images/s) of U-Net and FCN-8s at 64x64 and 128x128, batch 8: ONNX Runtime
 * CPU (the whole step as one graph, 1 and 2 intra-op threads) vs the same model in tfjs-layers on
 * the tfjs cpu backend (optimizer.minimize, SGD). Each measurement runs in a fresh child process
 * so its peak RSS is its own; the parent prints the table and the ORT / tfjs ratios.
 *
 *   pnpm --filter @losskit/onnx-train bench
 *   options: --models unet,fcn  --sizes 64,128  --tfjs-sizes 64,128 (sizes at which tfjs is timed;
 *   one tfjs cpu step at 128x128 takes minutes on a loaded 2-core machine)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ModelConfig, Trainer, createModel } from '../src/index.js';
import { crossEntropy } from '../src/testing/losses.js';
import { shapesBatch } from '../src/synthetic-shapes.js';

const MODELS: Record<string, { label: string; config: ModelConfig }> = {
  unet: { label: 'U-Net (depth 3, width 16)', config: { kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16 } },
  fcn: { label: 'FCN-8s (width 16)', config: { kind: 'fcn', numClasses: 3, baseWidth: 16, variant: '8s' } },
};
const BATCH = 8;
/** ORT cells run at least this long; a tfjs cpu step takes tens of seconds, so tfjs times one step. */
const MIN_SECONDS = 4;

interface Measurement {
  imagesPerSecond: number;
  steps: number;
  peakRssMiB: number;
}

async function timeSteps(
  step: (i: number) => Promise<void>,
  minSteps: number,
  minSeconds: number,
  warmUp = true,
): Promise<{ imagesPerSecond: number; steps: number }> {
  if (warmUp) await step(0); // graph build, session creation, first allocations
  const start = performance.now();
  let steps = 0;
  while (steps < minSteps || (performance.now() - start) / 1000 < minSeconds) await step(++steps);
  return { imagesPerSecond: (steps * BATCH) / ((performance.now() - start) / 1000), steps };
}

async function measure(backend: string, modelName: string, size: number, threads: number): Promise<Measurement> {
  const config = MODELS[modelName]!.config;
  const batches = [0, 1, 2].map((s) => shapesBatch(BATCH, size, s));
  let timing: { imagesPerSecond: number; steps: number };
  if (backend === 'ort') {
    const ort = await import('onnxruntime-node');
    ort.env.logLevel = 'error';
    const trainer = new Trainer({ model: config, loss: crossEntropy(), optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: 0.01, threads });
    timing = await timeSteps(
      async (i) => {
        await trainer.step(batches[i % 3]!);
      },
      3,
      MIN_SECONDS,
    );
    await trainer.release();
  } else {
    const tf = await import('@tensorflow/tfjs');
    const { buildTfjsModel, toNhwc } = await import('../test/tfjs-models.js');
    await tf.setBackend('cpu');
    const model = createModel(config);
    const built = buildTfjsModel(tf, model.config, size, size);
    const optimizer = tf.train.momentum(0.01, 0.9);
    const data = batches.map((b) => ({
      x: tf.tensor4d(toNhwc(b.images, b.shape), [BATCH, size, size, 3]),
      y: tf.oneHot(tf.tensor3d(Int32Array.from(b.labels), [BATCH, size, size], 'int32'), 3).toFloat(),
    }));
    timing = await timeSteps(async (i) => {
      const { x, y } = data[i % 3]!;
      const loss = optimizer.minimize(() => {
        const logits = built.model.apply(x, { training: true }) as import('@tensorflow/tfjs').Tensor4D;
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits, -1)), -1))) as import('@tensorflow/tfjs').Scalar;
      }, true);
      await loss!.data();
      loss!.dispose();
    }, 1, 0, false);
  }
  return { ...timing, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

async function child(): Promise<void> {
  const [backend, modelName, size, threads] = JSON.parse(process.argv[3]!) as [string, string, number, number];
  process.stdout.write(JSON.stringify(await measure(backend, modelName, size, threads)));
}

function runChild(args: [string, string, number, number]): Measurement {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(args)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as Measurement;
}

function option(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1]! : fallback).split(',');
}

async function main(): Promise<void> {
  const models = option('models', 'unet,fcn');
  const sizes = option('sizes', '64,128').map(Number);
  const tfjsSizes = option('tfjs-sizes', '64,128').map(Number);
  const rows: string[] = [
    '| model | size | ORT 1 thread img/s | ORT 2 threads img/s | tfjs cpu img/s | ORT 1t / tfjs | ORT 2t / tfjs | peak RSS MiB: ORT 1t / ORT 2t / tfjs |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const f = (v: number) => (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3));
  for (const model of models)
    for (const size of sizes) {
      const ort1 = runChild(['ort', model, size, 1]);
      const ort2 = runChild(['ort', model, size, 2]);
      const tfjs = tfjsSizes.includes(size) ? runChild(['tfjs', model, size, 1]) : undefined;
      const ratio = (m: Measurement) => (tfjs ? `${(m.imagesPerSecond / tfjs.imagesPerSecond).toFixed(0)}x` : 'not timed');
      const row = `| ${MODELS[model]!.label} | ${size}x${size} | ${f(ort1.imagesPerSecond)} | ${f(ort2.imagesPerSecond)} | ${tfjs ? f(tfjs.imagesPerSecond) : 'not timed'} | ${ratio(ort1)} | ${ratio(ort2)} | ${ort1.peakRssMiB.toFixed(0)} / ${ort2.peakRssMiB.toFixed(0)} / ${tfjs ? tfjs.peakRssMiB.toFixed(0) : '-'} |`;
      rows.push(row);
      console.error(row, `(steps timed: ${ort1.steps}, ${ort2.steps}, ${tfjs?.steps ?? 0})`);
    }
  console.log(
    `batch ${BATCH}, SGD momentum 0.9, cross-entropy, 3 classes; ORT: one warm-up step, then >= 3 steps and >= ${MIN_SECONDS} s; tfjs cpu: one step, no warm-up`,
  );
  console.log(rows.join('\n'));
}

if (process.argv[2] === '--child') await child();
else await main();
