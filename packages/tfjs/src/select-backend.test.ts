import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  it('passes over the native packages that are not installed and reports why', async () => {
    const selection = await selectBackend();
    const skipped = selection.skipped.map((s) => s.candidate);
    expect(skipped.slice(0, 2)).toEqual(['node-gpu', 'node']);
    expect(selection.skipped[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(['webgpu', 'wasm', 'cpu']).toContain(selection.chosen);
    expect(tf.getBackend()).toBe(selection.backend);
  });

  it('takes a preference first', async () => {
    const selection = await selectBackend('cpu');
    expect(selection).toEqual({ chosen: 'cpu', backend: 'cpu', skipped: [] });
  });

  it('falls through a package that loads but registers nothing', async () => {
    const selection = await selectBackend(['node', 'cpu'], {
      importModule: async (name) => {
        if (name === '@tensorflow/tfjs-node') return {}; // a broken install: loads, registers nothing
        throw new Error(`Cannot find package '${name}'`);
      },
    });
    expect(selection.chosen).toBe('cpu');
    expect(selection.skipped).toEqual([
      { candidate: 'node', reason: "@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend" },
    ]);
  });

  it('rejects an unknown name', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(/unknown backend 'tpu'/);
  });
});
