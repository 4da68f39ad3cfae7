import { describe, expect, it } from 'vitest';
import { reachableByBatchMean } from '../analyses/visited-region.js';
import { recordTrainingPaths } from './training-paths.js';

describe('training paths recorded during a short run', () => {
  const options = { imageSize: 8, images: 8, batch: 2, steps: 12 };
  const { paths, numClasses: C } = recordTrainingPaths([1, 27], options);

  it('starts every experiment at the near-uniform prediction: L1 = 2(C − 1)/C², L2 = (C − 1)/C²', () => {
    expect(C).toBe(5);
    for (const p of paths) {
      expect(p.steps[0]!.L1).toBeCloseTo((2 * (C - 1)) / C ** 2, 2);
      expect(p.steps[0]!.L2).toBeCloseTo((C - 1) / C ** 2, 2);
    }
    expect(paths[0]!.steps[0]!.L1).toBe(paths[1]!.steps[0]!.L1); // the same initial weights and first batch
  });

  it('trains: the loss and L1 fall, and every recorded batch mean lies in the reachable region', () => {
    for (const p of paths) {
      expect(p.steps).toHaveLength(12);
      expect(p.steps.at(-1)!.loss).toBeLessThan(p.steps[0]!.loss);
      expect(p.steps.at(-1)!.L1).toBeLessThan(p.steps[0]!.L1);
      for (const s of p.steps) expect(reachableByBatchMean(s.L1, s.L2, C, 1e-9), `${p.experiment} step ${s.step}`).toBe(true);
    }
  });

  it('is deterministic and names an unknown experiment', () => {
    expect(recordTrainingPaths([27], options).paths[0]).toEqual(paths[1]);
    expect(() => recordTrainingPaths([28], options)).toThrow('recordTrainingPaths: no paper experiment 28 (1-27)');
  });
});
