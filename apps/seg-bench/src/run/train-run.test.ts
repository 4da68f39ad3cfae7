import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeVocFixture } from '../../test/fixtures.js';
import type { TrainingBackend } from '../backends/training-backend.js';
import type { SegmentationDataset } from '../datasets/dataset.js';
import { loadSynthetic } from '../datasets/synthetic.js';
import { loadVoc } from '../datasets/voc.js';
import { paperLoss } from '../losses.js';
import type { ResultRow, RunSettings } from './run-spec.js';
import { trainRun } from './train-run.js';

const dataset = loadSynthetic({ imageSize: 16, trainImages: 8, valImages: 4 });

async function train(
  backend: TrainingBackend,
  seed: number,
  data: SegmentationDataset = dataset,
  model: 'unet' | 'fcn' = 'unet',
): Promise<Omit<ResultRow, 'trainSeconds' | 'trainImagesPerSecond'>[]> {
  const settings: RunSettings = {
    backend: backend.name,
    dataset: 'synthetic',
    skipBad: false,
    dataSeed: 0,
    trainImages: data.train.length,
    valImages: data.val.length,
    imageSize: data.imageSize,
    epochs: 2,
    batchSize: 4,
    width: model === 'fcn' ? 2 : 4,
    depth: 2,
    learningRate: 3e-3,
    ema: 'stateful',
    threads: 1,
  };
  const rows: ResultRow[] = [];
  // experiment 11 carries EMA state between steps
  const loss = paperLoss(11, { numClasses: data.classNames.length, ema: 'stateful' });
  await trainRun({ experiment: '11', loss: { kind: 'paper', id: 11 }, lossSource: 'paper:11', model, seed, settings }, loss, data, backend, {
    onRow: (row) => rows.push(row),
  });
  return rows.map(({ trainSeconds, trainImagesPerSecond, ...scores }) => scores);
}

const backends: Record<string, () => Promise<TrainingBackend>> = {
  onnx: async () => (await import('../backends/onnx-backend.js')).onnxBackend,
  tfjs: async () => (await import('../backends/tfjs-backend.js')).tfjsBackend,
};

describe.each(Object.keys(backends))('%s training run', (name) => {
  it('is deterministic per seed and differs between seeds', async () => {
    const backend = await backends[name]!();
    const first = await train(backend, 250);
    expect(first.map((r) => r.epoch)).toEqual([1, 2]);
    expect(await train(backend, 250)).toEqual(first);
    expect(await train(backend, 1)).not.toEqual(first);
  }, 60_000);

  it('trains FCN-8s (32x32, the smallest size it takes)', async () => {
    const rows = await train(await backends[name]!(), 1, loadSynthetic({ imageSize: 32, trainImages: 4, valImages: 2 }), 'fcn');
    expect(rows.map((r) => [r.model, r.epoch])).toEqual([
      ['fcn', 1],
      ['fcn', 2],
    ]);
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
  }, 60_000);

  it('trains on VOC-format data whose labels hold 255 (ignored) pixels', async () => {
    const backend = await backends[name]!();
    const root = mkdtempSync(join(tmpdir(), 'voc-train-'));
    try {
      writeVocFixture(root, { train: 4, val: 2 }, { width: 16, height: 16 });
      const voc = loadVoc({ dataDir: root, imageSize: 16 });
      expect(voc.train.some((s) => s.label.includes(255))).toBe(true);
      const rows = await train(backend, 1, voc);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(Number.isFinite(row.loss)).toBe(true);
        expect(row.valImages).toBe(2);
        expect(row.pixelAccuracy).toBeGreaterThanOrEqual(0);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
