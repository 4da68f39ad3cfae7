import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '@losskit/core';
import { CheckpointError } from './checkpoint.js';
import { meanIoU } from './metrics.js';
import { crossEntropy } from './testing/losses.js';
import { shapesBatch } from './synthetic-shapes.js';
import { DivergenceError, Trainer } from './trainer.js';

const dir = await mkdtemp(join(tmpdir(), 'onnx-train-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Trainer', () => {
  it('trains a tiny U-Net on synthetic shapes: held-out mean IoU rises well above chance', async () => {
    const trainer = new Trainer({
      model: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 },
      loss: crossEntropy(),
      optimizer: { kind: 'adam' },
      learningRate: 3e-3,
      seed: 1,
      threads: 2,
    });
    const heldOut = shapesBatch(8, 32, 999);
    const before = meanIoU(await trainer.evaluate(heldOut));
    const curve: { step: number; loss: number; batchIoU: number }[] = [];
    for (let i = 0; i < 40; i++) {
      const { loss, confusion } = await trainer.step(shapesBatch(8, 32, i));
      curve.push({ step: i + 1, loss, batchIoU: meanIoU(confusion) });
    }
    const after = meanIoU(await trainer.evaluate(heldOut));
    console.log(`held-out mIoU ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    console.log(curve.filter((r) => r.step % 5 === 0 || r.step === 1).map((r) => `step ${r.step}: loss ${r.loss.toFixed(4)} batch mIoU ${r.batchIoU.toFixed(3)}`).join('\n'));
    // chance for 3 classes with a skewed prior is well under 0.3 mIoU
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThan(0.45);
    expect(curve.at(-1)!.loss).toBeLessThan(curve[0]!.loss * 0.6);
    expect(trainer.stepCount).toBe(40);
    expect(trainer.provider).toBe('cpu');
    await trainer.release();
  }, 120_000);

  it('is deterministic for a seed, dropout masks included', async () => {
    const run = async () => {
      const t = new Trainer({
        model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4, dropout: 0.5 },
        loss: crossEntropy(),
        optimizer: { kind: 'sgd', momentum: 0.9 },
        learningRate: 0.05,
        seed: 3,
      });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push((await t.step(shapesBatch(2, 8, i))).loss);
      await t.release();
      return losses;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(3);
  });

  it('counts ignored pixels (label 255) nowhere in the confusion', async () => {
    const t = new Trainer({ model: { kind: 'unet', numClasses: 3, depth: 1, baseWidth: 4 }, loss: crossEntropy(), seed: 2 });
    const batch = shapesBatch(2, 8, 4);
    const labels = Int32Array.from(batch.labels);
    for (let i = 0; i < labels.length; i += 3) labels[i] = 255;
    const ignored = Math.ceil(labels.length / 3);
    const counts = await t.evaluate({ ...batch, labels });
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(labels.length - ignored);
    const { confusion } = await t.step({ ...batch, labels });
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(labels.length - ignored);
    await t.release();
  });

  it('saves a plain inference ONNX model and loads it back to the same predictions', async () => {
    const t = new Trainer({ model: { kind: 'fcn', numClasses: 2, baseWidth: 2, variant: '16s' }, loss: crossEntropy(), seed: 4 });
    for (let i = 0; i < 2; i++) await t.step(shapesBatch(2, 32, i));
    const path = join(dir, 'fcn.onnx');
    await t.save(path);
    const probe = shapesBatch(3, 32, 50);
    const original = await t.predict(probe);

    // the checkpoint is a plain inference model: any ORT session runs it, batch size free
    const session = await ort.InferenceSession.create(await readFile(path), { logSeverityLevel: 3 });
    const out = await session.run({ images: new ort.Tensor('float32', probe.images, [...probe.shape]) });
    const logits = out.logits!.data as Float32Array;
    expect(logits.length).toBe(original.logits.length);
    for (let i = 0; i < logits.length; i += 97) expect(logits[i]).toBeCloseTo(original.logits[i]!, 4);

    const loaded = await Trainer.load(path, { loss: crossEntropy() });
    expect(loaded.stepCount).toBe(2);
    expect(loaded.model.config).toEqual(t.model.config);
    const again = await loaded.predict(probe);
    expect(Array.from(again.logits)).toEqual(Array.from(original.logits));
    await loaded.step(shapesBatch(2, 32, 9));
    await Promise.all([t.release(), loaded.release(), session.release()]);
  });

  it('rejects corrupted, truncated and foreign checkpoints with a clear error', async () => {
    const t = new Trainer({ model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 }, loss: crossEntropy(), seed: 5 });
    const good = t.exportModel({ height: 8, width: 8 });
    const flipped = Uint8Array.from(good);
    // a byte inside the weights (the initializers sit in the middle of the file)
    flipped[Math.floor(good.length / 2)]! ^= 0x5a;
    const cases: [string, Uint8Array, RegExp][] = [
      ['flipped.onnx', flipped, /corrupted/],
      ['truncated.onnx', good.slice(0, Math.floor(good.length * 0.6)), /truncated or corrupted|corrupted/],
      ['garbage.onnx', Uint8Array.from({ length: 300 }, (_, i) => (i * 131) % 256), /checkpoint .*garbage\.onnx/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const error = await Trainer.load(path, { loss: crossEntropy() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect(String(error)).toMatch(message);
    }
    await expect(Trainer.load(join(dir, 'missing.onnx'), { loss: crossEntropy() })).rejects.toThrow(/could not be read/);
    await t.release();
  });

  it('checks batches and says what is wrong', async () => {
    const t = new Trainer({ model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 }, loss: crossEntropy() });
    const batch = shapesBatch(1, 8, 0);
    await expect(t.step({ ...batch, shape: [1, 1, 8, 8] })).rejects.toThrow(/1 image channels, the model expects 3/);
    await expect(t.step({ ...batch, labels: (batch.labels as Int32Array).slice(1) })).rejects.toThrow(/labels has 63 values/);
  });
});

describe('atomic training steps', () => {
  const model = { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 } as const;
  const sameWeights = (a: ReturnType<Trainer['weights']>, b: ReturnType<Trainer['weights']>) => {
    for (const [name, v] of a.parameters) expect(Array.from(b.parameters.get(name)!), name).toEqual(Array.from(v));
    for (const [name, v] of a.buffers) expect(Array.from(b.buffers.get(name)!), name).toEqual(Array.from(v));
  };

  it('refuses a batch with NaN or Inf images before the step: weights, optimizer state and step count stay', async () => {
    const fresh = () => new Trainer({ model, loss: crossEntropy(), optimizer: { kind: 'adam' }, learningRate: 1e-2, seed: 7 });
    const [a, b] = [fresh(), fresh()];
    await a.step(shapesBatch(2, 8, 0));
    await b.step(shapesBatch(2, 8, 0));
    const before = a.weights();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const batch = shapesBatch(2, 8, 1);
      const images = Float32Array.from(batch.images);
      images[17] = bad;
      const error = await a.step({ ...batch, images }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toMatch(new RegExp(`non-finite value \\(${bad}\\) at flat index 17.*weights unchanged`));
    }
    sameWeights(before, a.weights());
    expect(a.stepCount).toBe(1);
    // the optimizer state (Adam moments, step count) is intact too: the next step matches a trainer that never saw the bad batches
    const [la, lb] = [await a.step(shapesBatch(2, 8, 2)), await b.step(shapesBatch(2, 8, 2))];
    expect(la.loss).toBe(lb.loss);
    sameWeights(b.weights(), a.weights());
    await Promise.all([a.release(), b.release()]);
  });

  it('keeps the last finite weights when a step diverges, and names divergence as the cause', async () => {
    const t = new Trainer({ model, loss: crossEntropy(), optimizer: { kind: 'sgd' }, learningRate: 1e30, seed: 8 });
    let error: unknown;
    let before = t.weights();
    for (let i = 0; i < 6 && error === undefined; i++) {
      before = t.weights();
      error = await t.step(shapesBatch(2, 8, i)).then(() => undefined, (e: unknown) => e);
    }
    expect(error).toBeInstanceOf(DivergenceError);
    expect(String(error)).toMatch(/training step \d+ diverged: .*learning rate 1e\+30 too high\?.*kept from step \d+/);
    const after = t.weights();
    sameWeights(before, after);
    for (const v of after.parameters.values()) expect(v.every(Number.isFinite)).toBe(true);
    // the trainer is still usable: a sane learning rate trains on from the kept weights
    const steps = t.stepCount;
    await expect(t.step(shapesBatch(2, 8, 0), { learningRate: 0 })).rejects.toThrow(/learning rate must be a finite number > 0, got 0/);
    expect(t.stepCount).toBe(steps);
    await t.release();
  });
});

describe('execution providers', () => {
  it('falls back along the preference list and says why', async () => {
    const t = new Trainer({
      model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 2 },
      loss: crossEntropy(),
      providers: ['cuda', 'webgpu', 'cpu'],
    });
    await t.evaluate(shapesBatch(1, 8, 0));
    // this machine has no CUDA provider library and no WebGPU; where it does, that provider is used
    expect(['cuda', 'webgpu', 'cpu']).toContain(t.provider);
    if (t.provider === 'cpu') expect(t.providerLog.map((line) => line.split(' ')[0])).toEqual(['cuda', 'webgpu']);
    expect(t.providerLog.every((line) => / skipped: /.test(line))).toBe(true);
    await t.release();
  });
});
