import { type Loss, catalogueCases, paperExperiments } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { createModel } from './model.js';
import { shapesBatch } from './synthetic-shapes.js';
import { Trainer } from './trainer.js';

const model = createModel({ kind: 'unet', numClasses: 3, depth: 1, baseWidth: 2 });

/** Three steps: the loss is finite, the weights move, and EMA state (if any) is carried. */
async function trainsWith(loss: Loss): Promise<number[]> {
  const trainer = new Trainer({ model, loss, optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: 0.01, seed: 1 });
  const before = trainer.weights().parameters.get('head.weight')!;
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push((await trainer.step(shapesBatch(2, 8, i))).loss);
  const after = trainer.weights().parameters.get('head.weight')!;
  expect(after.some((v, i) => v !== before[i])).toBe(true);
  await trainer.release();
  return losses;
}

/** Inputs a Trainer batch provides; per-sample weights (Keras `sampleWeights`) are not among them. */
const FED = new Set(['pred', 'target', 'labels', 'mask']);

describe('every catalogue loss trains (three steps, finite loss, weights move)', () => {
  for (const { name, loss } of catalogueCases(3))
    it(name, async () => {
      const unfed = Object.keys(loss.inputs).filter((input) => !FED.has(input));
      if (unfed.length > 0) {
        // a loss over an input the batch cannot provide is refused up front, naming it
        await expect(trainsWith(loss)).rejects.toThrow(`loss input '${unfed[0]}' cannot be fed by the trainer`);
        return;
      }
      for (const value of await trainsWith(loss)) expect(Number.isFinite(value)).toBe(true);
    });
});

describe('every paper experiment trains with stateful EMA', () => {
  it('experiments 1..27', async () => {
    for (const experiment of paperExperiments) {
      const losses = await trainsWith(experiment.build({ ema: 'stateful', numClasses: 3 }));
      expect(losses.every(Number.isFinite), `experiment ${experiment.id}`).toBe(true);
    }
  }, 120_000);
});
