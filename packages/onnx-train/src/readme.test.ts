import { readFileSync } from 'node:fs';
import { add, div, ema, input, logSoftmax, mean, mul, neg, softmax, stopGradient, sub, sum } from '@losskit/core';
import { expect, it } from 'vitest';
import { Trainer, meanIoU, shapesBatch } from './index.js';

it('README example: trains a U-Net in ONNX Runtime with a custom hybrid loss', async () => {
  // README example start (after its imports)
  const pred = input('pred'); // logits [N, C, H, W]
  const target = input('target'); // one-hot labels [N, C, H, W]
  const crossEntropy = mean(neg(sum(mul(target, logSoftmax(pred)), ['class'])));
  const p = softmax(pred);
  const overlap = sum(mul(p, target), ['batch', 'spatial']);
  const dice = sub(1, mean(div(mul(2, overlap), add(sum(p, ['batch', 'spatial']), sum(target, ['batch', 'spatial']), 1))));
  // hybrid: CE + Dice scaled by 1 + the running mean (EMA, carried between steps) of Dice itself
  const loss = add(crossEntropy, mul(add(1, stopGradient(ema(dice, 0.9, 'dice'))), dice));

  const trainer = new Trainer({
    model: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 },
    loss,
    optimizer: { kind: 'adamw', weightDecay: 1e-4 },
    learningRate: 3e-3,
    seed: 0,
    threads: 2,
  });
  const heldOut = shapesBatch(8, 32, 1000); // synthetic circles and rectangles, labels [N, H, W]
  const before = meanIoU(await trainer.evaluate(heldOut));
  for (let i = 0; i < 30; i++) await trainer.step(shapesBatch(8, 32, i));
  const after = meanIoU(await trainer.evaluate(heldOut));
  // README example end

  expect(before).toBeLessThan(0.3);
  expect(after).toBeGreaterThan(before + 0.2);
  console.log(`README example: held-out mIoU ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  await trainer.release();

  // the README shows exactly this code
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const example = source.split('// README example start (after its imports)\n')[1]!.split('  // README example end')[0]!;
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(example.replace(/^ {2}/gm, '').trim());
}, 120_000);
