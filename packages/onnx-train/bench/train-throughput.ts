/**
 * Training throughput (images/s) of U-Net and FCN-8s at 64x64 and 128x128, batch 8: ONNX Runtime
 * CPU (the whole step as one graph, 1 and 2 intra-op threads) vs the same model in tfjs-layers on
 * the tfjs cpu backend (optimizer.minimize, SGD). Each measurement runs in a fresh child process
 * so its peak RSS is its own; the parent prints the table and the ORT / tfjs ratios.
 *
 *   pnpm --filter @losskit/onnx-train bench            (all rows)
 *   pnpm --filter @losskit/onnx-train bench -- --quick (64x64 only)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ModelConfig, Trainer, createModel } from '../src/index.js';
import { crossEntropy } from '../src/testing/losses.js';
import { shapesBatch } from '../src/synthetic-shapes.js';

const MODELS: Record<string, ModelConfig> = {
  'U-Net (depth 3, width 16)': { kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16 },
  'FCN-8s (width 16)': { kind: 'fcn', numClasses: 3, baseWidth: 16, variant: '8s' },
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
): Promise<{ imagesPerSecond: number; steps: number }> {
  await step(0); // warm-up: graph build, session creation, first allocations
  const start = performance.now();
  let steps = 0;
  while (steps < minSteps || (performance.now() - start) / 1000 < minSeconds) await step(++steps);
  return { imagesPerSecond: (steps * BATCH) / ((performance.now() - start) / 1000), steps };
}

async function measure(backend: string, modelName: string, size: number, threads: number): Promise<Measurement> {
  const config = MODELS[modelName]!;
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
    }, 1, 0);
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

async function main(): Promise<void> {
  const sizes = process.argv.includes('--quick') ? [64] : [64, 128];
  const rows: string[] = [
    '| model | size | ORT 1 thread img/s | ORT 2 threads img/s | tfjs cpu img/s | ORT 1t / tfjs | ORT 2t / tfjs | peak RSS ORT 2t / tfjs (MiB) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const modelName of Object.keys(MODELS))
    for (const size of sizes) {
      const ort1 = runChild(['ort', modelName, size, 1]);
      const ort2 = runChild(['ort', modelName, size, 2]);
      const tfjs = runChild(['tfjs', modelName, size, 1]);
      const f = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
      const row = `| ${modelName} | ${size}x${size} | ${f(ort1.imagesPerSecond)} | ${f(ort2.imagesPerSecond)} | ${f(tfjs.imagesPerSecond)} | ${(ort1.imagesPerSecond / tfjs.imagesPerSecond).toFixed(1)}x | ${(ort2.imagesPerSecond / tfjs.imagesPerSecond).toFixed(1)}x | ${ort2.peakRssMiB.toFixed(0)} / ${tfjs.peakRssMiB.toFixed(0)} |`;
      rows.push(row);
      console.error(row, `(steps timed: ${ort1.steps}, ${ort2.steps}, ${tfjs.steps})`);
    }
  console.log(`batch ${BATCH}, SGD momentum 0.9, cross-entropy, 3 classes; after one warm-up step, ORT cells time >= 3 steps and >= ${MIN_SECONDS} s, tfjs cells one step`);
  console.log(rows.join('\n'));
}

if (process.argv[2] === '--child') await child();
else await main();
