import { catalogue, paperExperiments } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compile.js';
import type { Layout } from '../layout.js';

/** Kernel names dispatched while f runs. */
function kernels(f: () => void): string[] {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  const names: string[] = [];
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    names.push(name);
    return original.call(this, name, ...rest);
  };
  try {
    f();
  } finally {
    engine.runKernel = original;
  }
  return names;
}

const experiment7 = paperExperiments.find((e) => e.id === 7)!.build();
const onehot = (shape: number[], classAxis: number) =>
  tf.tidy(() => {
    const labels = tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 3), classAxis);
    const hot = shape[classAxis] === 1 ? tf.ones([...labels.shape, 1]) : tf.oneHot(labels, shape[classAxis]!);
    return classAxis === shape.length - 1 ? hot : tf.transpose(hot, [0, shape.length - 1, ...shape.slice(2).map((_, i) => i + 1)]);
  });

describe.each(['cpu', 'wasm'])('fused kernels on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('run a paper experiment value + gradient as a handful of kernels, not one per op', () => {
    const pred = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1);
    const target = onehot([2, 4, 4, 3], 3);
    const fused = compile(experiment7);
    const unfused = compile(experiment7, { fuse: false });
    const run = (loss: typeof fused) => () => tf.dispose(Object.values(loss.valueAndGrad({ pred, target }, { training: false }).grads));
    const withFusion = kernels(run(fused));
    const without = kernels(run(unfused));
    expect(withFusion.filter((k) => k === 'LosskitFused').length).toBeGreaterThan(0);
    expect(without).not.toContain('LosskitFused');
    expect(withFusion.length * 5).toBeLessThan(without.length);
    tf.dispose([pred, target]);
    fused.dispose();
    unfused.dispose();
  });

  it('stay out of the way while a tape records (tfjs differentiates one kernel per op)', () => {
    const loss = compile(experiment7, { gradient: 'autodiff' });
    const pred = tf.randomNormal([1, 2, 2, 3]);
    const target = onehot([1, 2, 2, 3], 3);
    const names = kernels(() => tf.dispose(Object.values(loss.valueAndGrad({ pred, target }).grads)));
    expect(names).not.toContain('LosskitFused');
    tf.dispose([pred, target]);
    loss.dispose();
  });

  // shapes at the edges of the loop planning: one class (the staged class loop has size 1), no
  // spatial axes ([N, C]), one image, one pixel, more classes than are unrolled (a class loop)
  const shapes: Record<Layout, number[][]> = {
    NHWC: [[2, 3, 3, 1], [5, 4], [1, 2, 3, 4], [1, 1, 1, 3], [2, 3, 2, 11], [3, 12]],
    NCHW: [[2, 1, 3, 3], [5, 4], [1, 4, 2, 3], [1, 3, 1, 1], [2, 11, 3, 2], [3, 12]],
  };
  for (const layout of ['NHWC', 'NCHW'] as const)
    it.each(shapes[layout].map((s) => [s]))(`agree with one kernel per op, ${layout} %j`, (shape) => {
      const classAxis = layout === 'NHWC' || shape.length === 2 ? shape.length - 1 : 1;
      const pred = tf.randomNormal(shape, 0, 1.5, 'float32', 7);
      const target = onehot(shape, classAxis);
      for (const definition of [experiment7, catalogue.dice(), catalogue.focal()]) {
        const a = compile(definition, { layout });
        const b = compile(definition, { layout, fuse: false });
        const x = a.valueAndGrad({ pred, target });
        const y = b.valueAndGrad({ pred, target });
        expect(x.value.dataSync()[0]).toBeCloseTo(y.value.dataSync()[0]!, 5);
        const scale = Math.max(1e-6, ...Array.from(y.grads.pred!.dataSync(), Math.abs));
        const gap = Math.max(...Array.from(tf.tidy(() => tf.abs(tf.sub(x.grads.pred!, y.grads.pred!))).dataSync()));
        expect(gap / scale).toBeLessThan(1e-4);
        tf.dispose([x.value, y.value, x.grads.pred!, y.grads.pred!]);
        a.dispose();
        b.dispose();
      }
      tf.dispose([pred, target]);
    });
});
