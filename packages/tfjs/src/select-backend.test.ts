import { catalogue } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './backends.js';
import { compile } from './compile.js';
import { selectBackend } from './select-backend.js';
import { TRAINING_KERNELS, recordKernels } from './training-kernels.js';

// This Node has @tensorflow/tfjs (cpu; webgl's kernels, but no backend outside a browser) and
// @tensorflow/tfjs-backend-wasm installed, tfjs-node(-gpu) not; there is no navigator.gpu.
const WASM_LACKS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A conv net and its data: one `fit` step needs Conv2DBackpropFilter. */
function convNet() {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: 'ones' })] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  return { model, x: tf.ones([2, 4, 4, 1]), y: tf.zeros([2, 4, 4, 2]) };
}

// wasm's first initialization and the conv fits take about a second alone; the limit guards a hang
describe('selectBackend in Node.js', { timeout: 30_000 }, () => {
  it('without training: true picks wasm, and says what it lacks for training', async () => {
    const selection = await selectBackend();
    expect(selection.skipped.map((s) => s.candidate)).toEqual(['node-gpu', 'node', 'webgpu', 'webgl']);
    expect(selection.skipped[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(selection.skipped[2]!.reason).toMatch(/^webgpu needs a browser with WebGPU \(navigator\.gpu\), and this is Node\.js/);
    expect(selection.skipped[3]!.reason).toMatch(/^webgl needs a browser .*this is Node\.js.*; in Node\.js use node, node-gpu, wasm or cpu$/);
    expect(selection).toMatchObject({ chosen: 'wasm', backend: 'wasm', gets: { fused: 'js', finiteCheck: 'synchronous' }, missingTrainingKernels: WASM_LACKS });
    expect(selection.reason).toMatch(/^wasm: the first of DEFAULT_ORDER .* that fits; .*kernels not checked \(no training: true\); it lacks Conv2DBackpropFilter/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('with training: true refuses wasm (no Conv2DBackpropFilter) and picks cpu', async () => {
    const selection = await selectBackend(undefined, { training: true });
    expect(selection.chosen).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selection.missingTrainingKernels).toEqual([]);
    expect(selection.reason).toMatch(/^cpu: the first of DEFAULT_ORDER .* that fits; .*it has all 13 kernels asked for \(TRAINING_KERNELS\)$/);
    const wasm = selection.skipped.find((s) => s.candidate === 'wasm');
    expect(wasm?.reason).toBe(
      "cannot train here: the 'wasm' backend has no Conv2DBackpropFilter (the filter gradient of conv1d, conv2d and conv2dTranspose), DepthwiseConv2dNativeBackpropFilter (the filter gradient of depthwiseConv2d and separableConv2d), DepthwiseConv2dNativeBackpropInput (the input gradient of depthwiseConv2d and separableConv2d) kernels",
    );
  });

  it('the refusal is real: a conv net cannot fit on wasm, and fits on the backend training: true chose', async () => {
    await selectBackend('wasm', { fallback: false });
    const onWasm = convNet();
    await expect(onWasm.model.fit(onWasm.x, onWasm.y, { epochs: 1, verbose: 0 })).rejects.toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
    tf.dispose([onWasm.x, onWasm.y]);
    onWasm.model.dispose();
    await selectBackend(['wasm', 'cpu'], { training: true });
    const chosen = convNet();
    const history = await chosen.model.fit(chosen.x, chosen.y, { epochs: 2, verbose: 0 });
    expect((history.history.loss as number[])[1]!).toBeLessThan((history.history.loss as number[])[0]!);
    tf.dispose([chosen.x, chosen.y]);
    chosen.model.dispose();
  });

  it('kernels: the ones recordKernels finds in a training step (on cpu) refuse wasm the same way', async () => {
    await selectBackend('cpu');
    const { model, x, y } = convNet();
    const kernelNames = await recordKernels(() => model.trainOnBatch(x, y));
    tf.dispose([x, y]);
    model.dispose();
    expect(kernelNames).toEqual(expect.arrayContaining(['FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']));
    expect(kernelNames.filter((k) => k.endsWith('__op'))).toEqual([]); // custom ops that tf.profile lists are not kernels
    const selection = await selectBackend(['wasm', 'cpu'], { kernels: kernelNames });
    expect(selection.chosen).toBe('cpu');
    expect(selection.skipped).toEqual([{ candidate: 'wasm', reason: expect.stringMatching(/^cannot train here: the 'wasm' backend has no Conv2DBackpropFilter \(/) }]);
    expect(selection.reason).toMatch(new RegExp(`it has all ${kernelNames.length} kernels asked for \\(${kernelNames.length} in kernels\\)$`));
  });

  it("explicit webgl: says webgl needs a browser (falls back, or throws with fallback: false), never 'unknown backend'", async () => {
    const selection = await selectBackend('webgl');
    expect(selection.skipped[0]).toEqual({ candidate: 'webgl', reason: expect.stringMatching(/^webgl needs a browser/) });
    expect(selection.chosen).toBe('wasm');
    const strict = selectBackend('webgl', { fallback: false, training: true });
    await expect(strict).rejects.toThrow(/^selectBackend: no tfjs backend of webgl \(fallback: false\) could be used:\n {2}webgl: webgl needs a browser \(a document or OffscreenCanvas for a WebGL context\), and this is Node\.js/);
  });

  it('takes a preference first and says so', async () => {
    const selection = await selectBackend('cpu');
    expect(selection).toEqual({
      chosen: 'cpu',
      backend: 'cpu',
      reason: "cpu: your first preference; its 'cpu' backend (@tensorflow/tfjs-backend-cpu) is registered and initialized; kernels not checked (no training: true), though it has every kernel of TRAINING_KERNELS",
      gets: { fused: 'js', finiteCheck: 'synchronous' },
      missingTrainingKernels: [],
      skipped: [],
    });
  });

  it('falls through a package that loads but registers nothing', async () => {
    const selection = await selectBackend(['node', 'cpu'], {
      importModule: async (name) => {
        if (name === '@tensorflow/tfjs-node') return {}; // a broken install: loads, registers nothing
        throw new Error(`Cannot find package '${name}'`);
      },
    });
    expect(selection.chosen).toBe('cpu');
    expect(selection.reason).toMatch(/^cpu: your preference 2 of 2;/);
    expect(selection.skipped).toEqual([{ candidate: 'node', reason: "@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend" }]);
  });

  it('a kernel no backend has: every candidate refused, and the error lists why', async () => {
    await expect(selectBackend(['wasm', 'cpu'], { kernels: ['NoSuchKernel'], fallback: false })).rejects.toThrow(
      "selectBackend: no tfjs backend of wasm, cpu (fallback: false) could be used:\n  wasm: cannot train here: the 'wasm' backend has no NoSuchKernel kernel\n  cpu: cannot train here: the 'cpu' backend has no NoSuchKernel kernel",
    );
  });

  it('rejects an unknown name, and points a tfjs backend name at its candidates', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow("selectBackend: unknown backend 'tpu': expected one of node-gpu, node, webgpu, webgl, wasm, cpu");
    await expect(selectBackend('tensorflow' as never)).rejects.toThrow(
      "('tensorflow' is the tfjs backend of 'node-gpu' (@tensorflow/tfjs-node-gpu) and 'node' (@tensorflow/tfjs-node))",
    );
    await expect(selectBackend(undefined, { fallback: false })).rejects.toThrow(/fallback: false leaves nothing to try/);
  });

  it('TRAINING_KERNELS are real tfjs kernel names: the cpu backend registers every one', () => {
    expect(Object.keys(TRAINING_KERNELS).filter((k) => !tf.getKernel(k, 'cpu'))).toEqual([]);
  });
});

describe('BACKENDS[...].gets is what a compiled loss does there', { timeout: 30_000 }, () => {
  for (const candidate of ['cpu', 'wasm'] as const)
    it(`${candidate}: ${BACKENDS[candidate].gets.fused} fused kernels, ${BACKENDS[candidate].gets.finiteCheck} finite check`, async () => {
      const { gets } = await selectBackend(candidate, { fallback: false });
      const loss = compile(catalogue.categoricalCrossEntropy());
      const target = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3).reshape([1, 2, 2, 3]);
      const pred = tf.zeros([1, 2, 2, 3]);
      const { value, grads } = loss.valueAndGrad({ pred, target });
      expect(loss.explain().path).toBe(gets.fused);
      expect(gets.finiteCheck).toBe('synchronous');
      const bad = tf.fill([1, 2, 2, 3], Number.NaN);
      expect(() => loss.value({ pred: bad, target })).toThrow(/non-finite value \(NaN\) at flat index 0/); // the call given the NaN throws
      tf.dispose([value, grads.pred!, target, pred, bad]);
      loss.dispose();
    });

  it('node and node-gpu (not installed here): one kernel per op, synchronous check; webgl/webgpu: their GPU targets, deferred check', () => {
    expect(BACKENDS.node.gets).toEqual({ fused: 'per-op', finiteCheck: 'synchronous' });
    expect(BACKENDS['node-gpu'].gets).toEqual({ fused: 'per-op', finiteCheck: 'synchronous' });
    // what they do is checked in Chromium by test/browser/gpu-backends.test.ts
    expect(BACKENDS.webgl.gets).toEqual({ fused: 'glsl', finiteCheck: 'deferred' });
    expect(BACKENDS.webgpu.gets).toEqual({ fused: 'wgsl', finiteCheck: 'deferred' });
  });
});
