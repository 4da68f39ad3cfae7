import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogueCases, leaves, paperExperiments } from '@losskit/core';
import { toOnnx } from '@losskit/onnx';
import { runPython } from '@losskit/test-utils/python';
import { describe, expect, it } from 'vitest';
import { Trainer, buildEvalGraph, buildGradientGraph, buildTrainingStep, shapesBatch } from '../src/index.js';

const script = (name: string) => fileURLToPath(new URL(`./python/${name}`, import.meta.url));
const OPSETS = [13, 17, 18, 21, 26];

describe('graphs other runtimes can drive (Python onnxruntime + onnx.checker)', () => {
  it('drives an exported training step from Python to the same weights as the JS Trainer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losskit-python-'));
    try {
      const loss = paperExperiments.find((e) => e.id === 27)!.build({ numClasses: 3 });
      const options = { model: { kind: 'unet', numClasses: 3, depth: 1, baseWidth: 4 } as const, loss, optimizer: { kind: 'adam' } as const };
      const trainer = new Trainer({ ...options, seed: 5, threads: 1, learningRate: 0.01 });
      const shape = { batch: 2, height: 16, width: 16 };
      await writeFile(join(dir, 'checkpoint.onnx'), trainer.exportModel(shape)); // the starting weights
      await writeFile(join(dir, 'step.onnx'), buildTrainingStep(trainer.model, loss, options.optimizer, shape).bytes);
      const steps = 3;
      const losses: number[] = [];
      for (let i = 1; i <= steps; i++) {
        const batch = shapesBatch(shape.batch, shape.height, 40 + i);
        await writeFile(join(dir, `images-${i}.f32`), new Uint8Array(batch.images.buffer, batch.images.byteOffset, batch.images.byteLength));
        const labels = Int32Array.from(batch.labels);
        await writeFile(join(dir, `labels-${i}.i32`), new Uint8Array(labels.buffer));
        losses.push((await trainer.step(batch)).loss);
      }
      const python = JSON.parse(
        await runPython(script('drive_training_step.py'), [join(dir, 'step.onnx'), join(dir, 'checkpoint.onnx'), dir, String(steps), '0.01']),
      ) as { losses: number[]; weights: Record<string, number[]> };
      expect(python.losses).toHaveLength(steps);
      for (const [i, l] of python.losses.entries()) expect(l).toBeCloseTo(losses[i]!, 5);
      const js = trainer.weights().parameters;
      expect(Object.keys(python.weights).sort()).toEqual([...js.keys()].map((k) => `param:${k}`).sort());
      let worst = 0;
      for (const [name, data] of js) {
        const theirs = python.weights[`param:${name}`]!;
        expect(theirs).toHaveLength(data.length);
        data.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - theirs[i]!) / (1e-3 + Math.abs(v)));
        });
      }
      expect(worst).toBeLessThan(1e-4);
      // the weights moved: the comparison is not of two untouched copies
      expect(losses[0]).not.toBe(losses[steps - 1]);
      await trainer.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('passes onnx.checker.check_model(full_check=True) on every exported file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losskit-checker-'));
    try {
      const expected: Record<string, number> = {};
      const put = async (file: string, bytes: Uint8Array, opset: number) => {
        await mkdir(join(dir, file, '..'), { recursive: true });
        await writeFile(join(dir, file), bytes);
        expected[file] = opset;
      };
      const losses = [
        ...catalogueCases(3).map(({ name, loss }, i) => ({ file: `catalogue-${i}`, name, loss })),
        ...paperExperiments.map((e) => ({ file: `experiment-${e.id}`, name: e.id, loss: e.build({ ema: 'stateful', numClasses: 3 }) })),
      ];
      for (const opset of OPSETS)
        for (const { file, loss } of losses) {
          const gradients = leaves([loss.expr], 'input').has('pred') ? ['pred'] : [];
          await put(`loss-${opset}/${file}.onnx`, toOnnx(loss, { gradients, opset }).bytes, opset);
        }
      const trainer = new Trainer({ model: { kind: 'unet', numClasses: 3, depth: 1, baseWidth: 4 }, loss: paperExperiments[26]!.build({ numClasses: 3 }) });
      const shape = { batch: 1, height: 16, width: 16 };
      for (const opset of [16, 18, 21, 26]) {
        await put(`train-${opset}/step.onnx`, buildTrainingStep(trainer.model, trainer.loss, { kind: 'adam' }, shape, { opset }).bytes, opset);
        await put(`train-${opset}/gradient.onnx`, buildGradientGraph(trainer.model, trainer.loss, shape, { opset }).bytes, opset);
        await put(`train-${opset}/eval.onnx`, buildEvalGraph(trainer.model, shape, { opset }).bytes, opset);
      }
      await put('checkpoint.onnx', trainer.exportModel(shape), 18);
      const checked = JSON.parse(await runPython(script('check_models.py'), [dir])) as Record<string, number>;
      expect(checked).toEqual(expected);
      // below 16 a model with max pooling is refused, saying why
      expect(() => buildTrainingStep(trainer.model, trainer.loss, { kind: 'adam' }, shape, { opset: 15 })).toThrow(
        /ScatterElements with reduction="add" needs opset 16 or later; this graph targets opset 15/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
