import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogueCases, paperExperiments } from '@losskit/core';
import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportModels, slug } from './export-models.js';

describe('exportModels', () => {
  it('writes every catalogue loss and all 27 experiments, and each file loads in a fresh ORT session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losskit-onnx-'));
    try {
      const models = await exportModels(dir);
      expect(models).toHaveLength(catalogueCases().length + 2 * paperExperiments.length);
      expect(new Set(models.map((m) => m.file)).size).toBe(models.length);
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { file: string }[];
      expect(index.map((m) => m.file)).toEqual(models.map((m) => m.file));
      for (const m of models) {
        const session = await InferenceSession.create(join(dir, m.file));
        expect(session.inputNames).toEqual(m.inputs.map((i) => i.name));
        expect(session.outputNames).toEqual(m.outputs.map((o) => o.name));
        await session.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // ~70 models, each loaded in its own session: ~3 s alone, past vitest's 5 s default on a loaded machine
  }, 30_000);

  it('slugs catalogue names into file names', () => {
    expect(slug('dice{"perImage":true,"numClasses":3}')).toBe('dice-perImage-true-numClasses-3');
    expect(slug('focal{"gamma":1.5}')).toBe('focal-gamma-1p5');
  });
});
