/**
 * Training throughput of the two backends, side by side in one process, on one run of the
 * default preset (U-Net, 32x32 synthetic images, width 8, depth 2, batch 8, experiment 27).
 * Prints images/s per epoch (epoch 1 includes building the ONNX graphs / tfjs model) and the
 * ratio onnx / tfjs.  Usage: pnpm --filter @losskit/seg-bench bench:backends [epochs] [trainImages]
 */
import { PRESETS } from '../src/args.js';
import { onnxBackend } from '../src/backends/onnx-backend.js';
import { tfjsBackend } from '../src/backends/tfjs-backend.js';
import type { TrainingBackend } from '../src/backends/training-backend.js';
import { loadSynthetic } from '../src/datasets/synthetic.js';
import { paperLoss } from '../src/losses.js';
import type { ResultRow, RunSettings } from '../src/run/run-spec.js';
import { trainRun } from '../src/run/train-run.js';

const epochs = Number(process.argv[2] ?? 2);
const trainImages = Number(process.argv[3] ?? PRESETS.small.trainImages);
const preset = PRESETS.small;
const dataset = loadSynthetic({ imageSize: preset.imageSize, trainImages, valImages: preset.valImages });

async function measure(backend: TrainingBackend): Promise<{ rows: ResultRow[]; wall: number }> {
  const settings: RunSettings = {
    backend: backend.name,
    dataset: 'synthetic',
    skipBad: false,
    dataSeed: 0,
    trainImages,
    valImages: dataset.val.length,
    imageSize: preset.imageSize,
    epochs,
    batchSize: preset.batchSize,
    width: preset.width,
    depth: preset.depth,
    learningRate: preset.learningRate,
    ema: 'literal',
    threads: 1,
  };
  const rows: ResultRow[] = [];
  const started = performance.now();
  const loss = paperLoss(27, { numClasses: dataset.classNames.length, ema: 'literal' });
  await trainRun({ experiment: '27', loss: { kind: 'paper', id: 27 }, lossSource: 'paper:27', model: 'unet', seed: 1, settings }, loss, dataset, backend, {
    onRow: (row) => rows.push(row),
  });
  return { rows, wall: (performance.now() - started) / 1000 };
}

const results = new Map<string, { rows: ResultRow[]; wall: number }>();
for (const backend of [onnxBackend, tfjsBackend]) results.set(backend.name, await measure(backend));
const rate = (name: string, epoch: number) => results.get(name)!.rows[epoch - 1]!.trainImagesPerSecond;
console.log(`\n| backend | ${Array.from({ length: epochs }, (_, e) => `epoch ${e + 1} img/s`).join(' | ')} | run wall s |`);
console.log(`|---|${Array.from({ length: epochs + 1 }, () => '---').join('|')}|`);
for (const [name, r] of results) {
  console.log(`| ${name} | ${r.rows.map((row) => row.trainImagesPerSecond.toFixed(1)).join(' | ')} | ${r.wall.toFixed(1)} |`);
}
console.log(`| onnx / tfjs | ${Array.from({ length: epochs }, (_, e) => `${(rate('onnx', e + 1) / rate('tfjs', e + 1)).toFixed(1)}x`).join(' | ')} | ${(results.get('tfjs')!.wall / results.get('onnx')!.wall).toFixed(1)}x faster |`);
