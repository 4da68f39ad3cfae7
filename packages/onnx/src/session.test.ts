import {
  InputError,
  type Node,
  type Tensor as CoreTensor,
  add,
  ema,
  evaluate,
  gradient,
  input,
  leaves,
  mean,
  mul,
  param,
  paperExperiments,
  square,
  sub,
  sum,
} from '@losskit/core';
import { compareArrays, makeInputs } from '@losskit/test-utils';
import * as ort from 'onnxruntime-node';
import * as web from 'onnxruntime-web';
import type { InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { openSession } from './providers.js';
import type { OrtModule } from './runtime.js';
import { type LossRunInputs, TensorCache, buildFeeds, createLossSession, freshTensors } from './session.js';

/** onnxruntime-node with InferenceSession.create replaced (to see what a session is asked for). */
const withCreate = (create: (bytes: Uint8Array, options?: InferenceSession.SessionOptions) => Promise<unknown>): OrtModule => ({
  InferenceSession: { create } as unknown as OrtModule['InferenceSession'],
  Tensor: ort.Tensor,
  env: ort.env,
  listSupportedBackends: ort.listSupportedBackends,
} as OrtModule);
import { toOnnx } from './to-onnx.js';

const pred = input('pred');
const target = input('target');
const l2 = mean(square(sub(pred, target)));
const tol = { rtol: 2e-3, atol: 2e-5 };
const sizes = { batch: 2, class: 3, spatial: [3, 2] };
/** A * sum((pred - target)^2) / 2: d/dpred = A * (pred - target) */
const mul2 = (a: Node) => mul(a, mul(0.5, sum(square(sub(pred, target)))));

describe('createLossSession', () => {
  it('carries EMA state across 10 runs like the reference', async () => {
    const loss = paperExperiments.find((e) => e.id === 12)!.build({ ema: 'stateful', numClasses: 3 });
    const session = await createLossSession(loss, { intraOpThreads: 1 });
    // unsimplified: the simplifier may rewrite the ema argument inside the gradient into a second
    // ema term of the same slot, which the reference evaluator rejects
    const grad = gradient(loss.expr, leaves([loss.expr], 'input').get('pred')!, { simplify: false });
    let referenceState: Record<string, CoreTensor> | undefined;
    for (let step = 0; step < 10; step++) {
      const inputs = makeInputs(loss, sizes, 100 + step);
      const reference = evaluate([loss.expr, grad], { inputs, params: loss.params, ...(referenceState ? { state: referenceState } : {}) });
      // the session carries its own state: nothing passed in
      const out = await session.run({ inputs });
      expect(compareArrays(`step ${step} value`, out.valueData, reference.value.data, tol)).toBeUndefined();
      expect(compareArrays(`step ${step} grad`, out.gradients.pred!, reference.values[1]!.data, tol)).toBeUndefined();
      for (const [slot, value] of Object.entries(reference.nextState))
        expect(compareArrays(`step ${step} ${slot}`, out.nextState[slot]!, value.data, tol)).toBeUndefined();
      referenceState = reference.nextState;
    }
    expect(Object.keys(session.state).length).toBeGreaterThan(0);
    session.resetState();
    expect(session.state).toEqual({});
    await session.release();
  });

  it('changes params per run without rebuilding, and uses defaults for unbound ones', async () => {
    const loss = { name: 'scaled', expr: mul2(param('A', { default: 1 })), params: { A: 1 } };
    const session = await createLossSession(loss);
    const data = { shape: [1, 2, 1, 1], data: [1, 3] };
    const zero = { shape: [1, 2, 1, 1], data: [0, 0] };
    expect((await session.run({ prediction: data, target: zero })).value).toBeCloseTo(5, 5);
    expect((await session.run({ prediction: data, target: zero, params: { A: 3 } })).value).toBeCloseTo(15, 5);
    expect((await session.run({ prediction: data, target: zero, params: { A: 3 } })).gradients.pred).toEqual(Float32Array.of(3, 9));
    await session.release();
  });

  it("refuses an ema decay param outside [0, 1) with core's InputError, as evaluate does", async () => {
    const x = input('pred');
    const loss = { name: 'ema decay', expr: add(mean(x), ema(mean(square(x)), param('d', { default: 0.9 }), 's')), params: { d: 0.9 } };
    const session = await createLossSession(loss, { gradients: [] });
    const pred = { shape: [1, 2, 1, 1], data: [1, 3] };
    expect((await session.run({ prediction: pred, params: { d: 0.5 } })).value).toBeCloseTo(7, 5);
    for (const bad of [1, 1.5, -0.5]) {
      await expect(session.run({ prediction: pred, params: { d: bad } }), String(bad)).rejects.toThrow(InputError);
      await expect(session.run({ prediction: pred, params: { d: bad } })).rejects.toThrow(/ema 's': param 'd' is .*; the decay must be in \[0, 1\)/);
    }
    await session.release();
  });

  it('accepts the roles-only shape and the full physical shape', async () => {
    const labels = input('labels', ['batch', 'spatial']);
    const session = await createLossSession(mean(square(sub(pred, labels))));
    const p = { shape: [1, 2, 2], data: [1, 2, 3, 4] } as const;
    const a = await session.run({ prediction: { shape: [1, 2, 2, 1], data: p.data }, inputs: { labels: { shape: [1, 2, 1], data: [0, 1] } } });
    const b = await session.run({ prediction: { shape: [1, 2, 2, 1], data: p.data }, inputs: { labels: { shape: [1, 1, 2, 1], data: [0, 1] } } });
    expect(a.value).toBe(b.value);
    expect(a.value).toBeCloseTo((1 + 1 + 9 + 9) / 4, 5);
    await session.release();
  });

  it('rejects bad inputs with errors that name the input', async () => {
    const session = await createLossSession({ name: 'l2', expr: l2, params: {} });
    const good = { shape: [2, 3, 2, 2], data: new Float32Array(24) };
    const cases: [Parameters<typeof session.run>[0], RegExp][] = [
      [{ target: good }, /missing input 'pred' \(shape \[N, C, H, W\].*pass it as prediction/],
      [{ prediction: good, target: { shape: [2, 4, 2, 2], data: new Float32Array(32) } }, /shape mismatch: input 'target' has class \[4\] but input 'pred' has \[3\] \(class axis\)/],
      [{ prediction: good, target: { shape: [2, 3, 2], data: new Float32Array(12) } }, /input 'target' has shape \[2, 3, 2\] \(rank 3\), expected \[N, C, H, W\]/],
      [{ prediction: good, target: { shape: [2, 3, 2, 2], data: new Float32Array(23) } }, /input 'target' has 23 values but its shape \[2, 3, 2, 2\] needs 24/],
      [{ prediction: good, target: { shape: [2, 3, 2, 2], data: new BigInt64Array(24) as never } }, /input 'target': data is a BigInt64Array; pass numbers/],
      [{ prediction: good, target: { shape: [2, 3, 2, 2], data: Array(24).fill('1') } }, /input 'target': data\[0\] is string \("1"\); expected a number/],
      [{ prediction: good, target: good, inputs: { weights: good } }, /unknown input 'weights': the loss takes 'pred', 'target'/],
      [{ prediction: good, target: good, params: { A: 1 } }, /unknown param 'A': the loss has no params/],
      [{ prediction: { shape: [2, 3, 2, 0], data: [] }, target: good }, /dimensions must be positive integers/],
    ];
    for (const [feed, message] of cases) await expect(session.run(feed)).rejects.toThrow(message);
    await session.release();
    const needsA = await createLossSession(mul2(param('A')));
    await expect(needsA.run({ prediction: good, target: good })).rejects.toThrow(/missing param 'A': bind it in params \(it has no default\)/);
    await needsA.release();
  });

  it('checks dims against static sizes compiled into the model', async () => {
    const session = await createLossSession(l2, { sizes: { batch: 2, class: 3, spatial: [2, 2] } });
    const wrong = { shape: [2, 3, 2, 3], data: new Float32Array(36) };
    await expect(session.run({ prediction: wrong, target: wrong })).rejects.toThrow(/input 'pred': spatial size 3 but the model was compiled for 2/);
    await session.release();
  });

  it('fixes the class count of a loss over integer labels and names the input when it differs', async () => {
    const loss = paperExperiments.find((e) => e.id === 1)!.build({ numClasses: 3 });
    const session = await createLossSession(loss);
    const pred4 = { shape: [1, 4, 2, 2], data: new Float32Array(16) };
    const labels = { shape: [1, 2, 2], data: [0, 1, 2, 1] };
    await expect(session.run({ inputs: { pred: pred4, labels } })).rejects.toThrow(
      /input 'pred': class size 4 but the model was compiled for 3/,
    );
    await session.release();
  });

  it('runs on onnxruntime-web (wasm) like on onnxruntime-node, and says which runtime and provider ran', async () => {
    const loss = paperExperiments.find((e) => e.id === 12)!.build({ ema: 'stateful', numClasses: 3 });
    const onWeb = await createLossSession(loss, { runtime: web });
    const onNode = await createLossSession(loss);
    expect([onWeb.runtime, onWeb.provider]).toEqual(['onnxruntime-web', 'wasm']);
    expect([onNode.runtime, onNode.provider]).toEqual(['onnxruntime-node', 'cpu']);
    for (let step = 0; step < 3; step++) {
      const inputs = makeInputs(loss, sizes, 40 + step);
      const [a, b] = [await onWeb.run({ inputs }), await onNode.run({ inputs })];
      expect(compareArrays(`step ${step} value`, a.valueData, b.valueData, tol)).toBeUndefined();
      expect(compareArrays(`step ${step} grad`, a.gradients.pred!, b.gradients.pred!, tol)).toBeUndefined();
    }
    // 'auto' on onnxruntime-web in Node: no WebGPU here, so wasm, and the log says why
    const auto = await createLossSession(loss, { runtime: web, providers: 'auto' });
    expect(auto.provider).toBe('wasm');
    expect(auto.providerLog).toEqual([expect.stringMatching(/^webgpu skipped: .*no WebGPU/)]);
    for (const s of [onWeb, onNode, auto]) await s.release();
  });

  it('falls back from an unavailable provider and says why', async () => {
    const session = await createLossSession(l2, { providers: ['cuda', 'cpu'] });
    expect(session.provider).toBe('cpu');
    expect(session.providerLog).toHaveLength(1);
    expect(session.providerLog[0]).toMatch(/^cuda skipped: .+/);
    const data = { shape: [1, 1, 1, 2], data: [1, 2] };
    expect((await session.run({ prediction: data, target: data })).value).toBe(0);
    await session.release();
  });

  it('tries providers in order, reporting each failure, and fails with every reason when none loads', async () => {
    const bytes = toOnnx(l2).bytes;
    const tried: string[] = [];
    // without listSupportedBackends (an older onnxruntime-node) nothing is judged up front: ONNX Runtime is asked
    const fake = (fail: readonly string[]) => ({
      ...withCreate(async (_: Uint8Array, options?: InferenceSession.SessionOptions) => {
        const ep = String(options?.executionProviders?.[0]);
        tried.push(ep);
        if (fail.includes(ep)) throw new Error(`${ep} is not available here\nstack`);
        return { ep };
      }),
      listSupportedBackends: undefined,
    });
    const opened = await openSession(bytes, ['webgpu', 'cpu'], { runtime: fake(['webgpu']) });
    expect(opened.provider).toBe('cpu');
    expect(opened.runtime).toBe('onnxruntime-node');
    expect(opened.skipped).toEqual(['webgpu skipped: webgpu is not available here']);
    expect(tried).toEqual(['webgpu', 'cpu']);
    await expect(openSession(bytes, ['webgpu', 'cpu'], { runtime: fake(['webgpu', 'cpu']) })).rejects.toThrow(
      /no execution provider of onnxruntime-node could run the model:\n {2}webgpu skipped: .*\n {2}cpu skipped/,
    );
    await expect(openSession(bytes, ['tpu' as never])).rejects.toThrow(/unknown execution provider 'tpu': expected one of cuda, dml, coreml, webgpu, wasm, cpu/);
  });

  it("skips providers the runtime cannot have before asking ONNX Runtime (nothing printed natively), and 'auto' ends on CPU", async () => {
    const tried: string[] = [];
    const runtime = withCreate(async (bytes, options) => {
      tried.push(String(options?.executionProviders?.[0]));
      return ort.InferenceSession.create(bytes, options);
    });
    const opened = await openSession(toOnnx(l2).bytes, 'auto', { runtime });
    expect(opened.provider).toBe('cpu');
    // this machine's onnxruntime-node has no CUDA library on disk, no DirectML (Windows) or CoreML (macOS)
    expect(tried).toEqual(['cpu']);
    expect(opened.skipped).toEqual([
      expect.stringMatching(/^cuda skipped: the cuda provider library libonnxruntime_providers_cuda\.so is not installed/),
      expect.stringMatching(/^dml skipped: this onnxruntime-node build \(linux\/x64\) has no 'dml' provider/),
      expect.stringMatching(/^coreml skipped: this onnxruntime-node build \(linux\/x64\) has no 'coreml' provider/),
    ]);
    expect(opened.session.inputNames).toEqual(['pred', 'target']);
    await opened.session.release();
    await expect(openSession(toOnnx(l2).bytes, ['wasm'], { runtime })).rejects.toThrow(/'wasm' is onnxruntime-web's provider/);
  });

  it('gives the same result with 1 and 2 intra-op threads', async () => {
    const loss = paperExperiments.find((e) => e.id === 22)!.build({ ema: 'literal', numClasses: 3 });
    const inputs = makeInputs(loss, sizes, 5);
    const one = await createLossSession(loss, { intraOpThreads: 1 });
    const two = await createLossSession(loss, { intraOpThreads: 2 });
    const a = await one.run({ inputs });
    const b = await two.run({ inputs });
    expect(b.value).toBeCloseTo(a.value, 5);
    expect(compareArrays('grad', b.gradients.pred!, a.gradients.pred!, tol)).toBeUndefined();
    await one.release();
    await two.release();
  });

  it('reuses the tensors of a repeated feed and still reads changed data and params', async () => {
    const loss = { name: 'scaled', expr: mul2(param('A', { default: 1 })), params: { A: 1 } };
    const model = toOnnx(loss, { gradients: ['pred'] });
    const cache = new TensorCache(ort.Tensor);
    const p = new Float32Array([1, 3]);
    const given = { prediction: { shape: [1, 2, 1, 1], data: p }, target: { shape: [1, 2, 1, 1], data: new Float32Array(2) } };
    const first = buildFeeds(model, { ...given, params: { A: 2 } }, {}, cache);
    const second = buildFeeds(model, { ...given, params: { A: 2 } }, {}, cache);
    expect(second.pred).toBe(first.pred);
    expect(second.A).toBe(first.A);
    const third = buildFeeds(model, { ...given, params: { A: 4 } }, {}, cache);
    expect(third.A).not.toBe(first.A);
    expect(third.A!.data).toEqual(Float32Array.of(4));
    // without a cache every call makes fresh tensors
    const fresh = freshTensors(ort.Tensor);
    expect(buildFeeds(model, given, {}, fresh).pred).not.toBe(buildFeeds(model, given, {}, fresh).pred);

    const session = await createLossSession(loss);
    expect((await session.run({ ...given, params: { A: 2 } })).value).toBeCloseTo(10, 5);
    p[1] = 1; // same array, new contents: the reused tensor reads them
    expect((await session.run({ ...given, params: { A: 2 } })).value).toBeCloseTo(2, 5);
    expect((await session.run({ ...given, params: { A: 5 } })).value).toBeCloseTo(5, 5);
    await session.release();
  });

  it('passes session config entries to ONNX Runtime as nested extra options', async () => {
    const bytes = toOnnx(l2).bytes;
    let seen: InferenceSession.SessionOptions | undefined;
    const capture = withCreate(async (_: Uint8Array, options?: InferenceSession.SessionOptions) => {
      seen = options;
      return {};
    });
    const configEntries = { 'session.intra_op.allow_spinning': '0', 'session.dynamic_block_base': '4' };
    await openSession(bytes, ['cpu'], { configEntries, runtime: capture });
    expect(seen?.extra).toEqual({ session: { intra_op: { allow_spinning: '0' }, dynamic_block_base: '4' } });
    await expect(openSession(bytes, ['cpu'], { configEntries: { 'a.b': '1', 'a.b.c': '2' }, runtime: capture })).rejects.toThrow(
      /session config entry 'a.b.c' clashes with the entry 'a.b'/,
    );
    // a real session accepts them
    const session = await createLossSession(l2, { intraOpThreads: 2, configEntries });
    const data = { shape: [1, 1, 1, 2], data: [1, 2] };
    expect((await session.run({ prediction: data, target: { shape: [1, 1, 1, 2], data: [0, 0] } })).value).toBeCloseTo(2.5, 5);
    await session.release();
  });

  it('checks a repeated shape once, and still rejects what would be wrong on later runs', async () => {
    const loss = { name: 'scaled', expr: mul2(param('A', { default: 1 })), params: { A: 1 } };
    const model = toOnnx(loss, { gradients: ['pred'] });
    const cache = new TensorCache(ort.Tensor);
    const zero = { shape: [1, 2, 1, 1], data: new Float32Array(2) };
    const given = { prediction: { shape: [1, 2, 1, 1], data: Float32Array.of(1, 3) }, target: zero };
    const first = buildFeeds(model, given, {}, cache);
    expect(buildFeeds(model, given, {}, cache).pred).toBe(first.pred); // the same tensor, not re-made
    const session = await createLossSession(loss);
    const run = (p: ArrayLike<number>, shape = [1, 2, 1, 1], extra: Partial<LossRunInputs> = {}) =>
      session.run({ prediction: { shape, data: p }, target: zero, ...extra });
    expect((await run(Float32Array.of(1, 3))).value).toBeCloseTo(5, 5);
    expect((await run(Float32Array.of(2, 2))).value).toBeCloseTo(4, 5); // new array, same shape
    await expect(run(Float32Array.of(1, 2, 3))).rejects.toThrow(/input 'pred' has 3 values but its shape \[1, 2, 1, 1\] needs 2/);
    await expect(run(Float32Array.of(1, 3, 5), [1, 3, 1, 1])).rejects.toThrow(/shape mismatch: input 'target' has class \[2\] but input 'pred' has \[3\]/);
    await expect(run(Float32Array.of(1, 3), [1, 2, 1, 1], { params: { B: 1 } })).rejects.toThrow(/unknown param 'B'/);
    await expect(run(Float32Array.of(1, 3), [1, 2, 1, 1], { inputs: { labels: 1 } })).rejects.toThrow(/unknown input 'labels'/);
    expect((await run([3, 1])).value).toBeCloseTo(5, 5); // number[] goes through the full path
    await session.release();
  });
});
