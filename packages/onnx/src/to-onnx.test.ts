import {
  add,
  broadcastLike,
  evaluate,
  gradient,
  input,
  logSoftmax,
  mean,
  mul,
  neg,
  param,
  paperExperiments,
  softmax,
  square,
  stopGradient,
  sub,
  sum,
} from '@losskit/core';
import { compareArrays, makeInputs } from '@losskit/test-utils';
import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LOSS_OPSET, toOnnx } from './to-onnx.js';

const { onnx } = onnxProto;
const pred = input('pred');
const target = input('target');
const tol = { rtol: 1e-4, atol: 1e-6 };

const opCounts = (text: string) => {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/= (\w+)\(/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  return counts;
};

describe('toOnnx', () => {
  it('emits each shared subexpression once across value and gradient', () => {
    // softmax(pred) appears in three terms and in the gradient of each
    const p = softmax(pred);
    const loss = add(mean(square(sub(p, target))), mean(mul(p, target)), neg(mean(sum(mul(target, logSoftmax(pred)), ['class']))));
    const native = toOnnx(loss, { gradients: ['pred'], classNormalization: 'native' });
    expect(opCounts(native.text).Softmax).toBe(1);
    expect(opCounts(native.text).LogSoftmax).toBe(1);
    // decomposed: softmax and log-softmax share one max, exp and sum
    const model = toOnnx(loss, { gradients: ['pred'] });
    const counts = opCounts(model.text);
    expect([counts.ReduceMax, counts.Exp, counts.Softmax, counts.LogSoftmax]).toEqual([1, 1, undefined, undefined]);
    expect(model.nodeCount).toBe(model.text.split('\n').filter((l) => l.includes(' = ')).length);
  });

  it('names inputs, params, state and outputs predictably and records the formula', () => {
    const loss = paperExperiments.find((e) => e.id === 8)!.build({ ema: 'stateful', numClasses: 3 });
    const model = toOnnx(loss, { gradients: ['pred'] });
    expect(model.inputs.map((i) => `${i.kind}:${i.name}`)).toEqual([
      'input:labels',
      'input:pred',
      ...Object.keys(loss.params)
        .sort()
        .map((p) => `param:${p}`),
      ...model.inputs.filter((i) => i.kind === 'state').map((i) => `state:${i.name}`),
    ]);
    expect(model.inputs.filter((i) => i.kind === 'state').length).toBeGreaterThan(0);
    expect(model.outputs.map((o) => o.name)).toEqual([
      'loss',
      'grad_pred',
      ...model.inputs.filter((i) => i.kind === 'state').map((i) => `next_${i.name}`),
    ]);
    const proto = onnx.ModelProto.decode(model.bytes);
    expect(proto.graph!.name).toBe(loss.name);
    expect(Number(proto.opsetImport[0]!.version)).toBe(LOSS_OPSET);
    const metadata = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
    expect(metadata.formula).toBe(model.formula);
    expect(model.formula).toContain('ema');
    expect(proto.graph?.node?.every((n) => (n.docString ?? '').length > 0 && (n.name ?? '').length > 0)).toBe(true);
    const pred = model.inputs.find((i) => i.name === 'pred')!;
    const labels = model.inputs.find((i) => i.name === 'labels')!;
    // the per-class label constant fixes the class count
    expect(pred.shape).toEqual(['N', 3, 'H', 'W']);
    expect(labels.shape).toEqual(['N', 1, 'H', 'W']);
  });

  it('uses static sizes as constants: no Shape/Size nodes and fixed input dims', () => {
    const loss = mean(square(sub(pred, target)));
    const dynamic = toOnnx(loss, { gradients: ['pred'] });
    const fixed = toOnnx(loss, { gradients: ['pred'], sizes: { batch: 2, class: 3, spatial: [4, 5] } });
    expect(dynamic.text).toMatch(/Size|Shape/);
    expect(fixed.text).not.toMatch(/Size|Shape/);
    expect(fixed.nodeCount).toBeLessThan(dynamic.nodeCount);
    expect(fixed.inputs[0]!.shape).toEqual([2, 3, 4, 5]);
  });

  it('rejects gradients of unknown inputs and opsets ORT cannot run', () => {
    expect(() => toOnnx(mean(pred), { gradients: ['prediction'] })).toThrow(
      /gradient requested for 'prediction', but the loss has no input or param of that name \(inputs: pred/,
    );
    expect(() => toOnnx(mean(pred), { opset: 27 })).toThrow(/opset must be an integer from 13 to 26/);
  });

  async function runBoth(
    expr: Parameters<typeof toOnnx>[0] & object,
    feeds: Record<string, { shape: number[]; data: number[] }>,
    wrt: string[],
    options: Parameters<typeof toOnnx>[1] = {},
  ) {
    const model = toOnnx(expr, { ...options, gradients: wrt });
    const session = await InferenceSession.create(model.bytes);
    const ortFeeds: Record<string, Tensor> = {};
    for (const info of model.inputs) {
      const f = feeds[info.name]!;
      ortFeeds[info.name] = new Tensor('float32', Float32Array.from(f.data), f.shape);
    }
    const out = await session.run(ortFeeds);
    await session.release();
    return { model, out };
  }

  it('gives an exact zero gradient (Expand) and an Identity output where needed', async () => {
    // the loss ignores pred except through stopGradient: d/dpred = 0, shaped like pred
    const loss = add(mean(stopGradient(pred)), param('A'));
    const data = [1, 2, 3, 4, 5, 6];
    const { out } = await runBoth(loss, { pred: { shape: [1, 2, 3, 1], data }, A: { shape: [], data: [0.5] } }, ['pred', 'A']);
    expect(out.loss!.data[0]).toBeCloseTo(4, 6);
    expect(Array.from(out.grad_pred!.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(out.grad_pred!.dims).toEqual([1, 2, 3, 1]);
    expect(Array.from(out.grad_A!.data as Float32Array)).toEqual([1]);
  });

  it('sums a broadcast operand by multiplying with the broadcast size', async () => {
    // sum over all of (w broadcast over pred): w has roles [class], so the sum is N*HW*sum_c w_c
    const w = input('w', ['class']);
    const loss = sum(mul(w, add(stopGradient(mul(pred, 0)), 1)));
    const { out, model } = await runBoth(
      loss,
      { pred: { shape: [2, 3, 2, 2], data: Array.from({ length: 24 }, (_, i) => i) }, w: { shape: [1, 3, 1, 1], data: [1, 2, 3] } },
      ['w'],
    );
    const reference = evaluate([loss, gradient(loss, w)], {
      inputs: { pred: { shape: [2, 3, 2, 2], data: Array.from({ length: 24 }, (_, i) => i) }, w: { shape: [3], data: [1, 2, 3] } },
    });
    expect(out.loss!.data[0]).toBeCloseTo(reference.value.data[0]!, 4);
    expect(compareArrays('grad w', out.grad_w!.data as Float32Array, reference.values[1]!.data, tol)).toBeUndefined();
    expect(model.text).toContain('Mul');
  });

  it('lowers NHWC like NCHW, with the class axis last', async () => {
    const loss = paperExperiments.find((e) => e.id === 12)!.build({ ema: 'literal', numClasses: 3 });
    const sizes = { batch: 2, class: 3, spatial: [2, 3] };
    const inputs = makeInputs(loss, sizes, 7);
    const nchw = toOnnx(loss, { gradients: ['pred'] });
    const nhwc = toOnnx(loss, { gradients: ['pred'], layout: 'NHWC' });
    expect(nhwc.inputs.find((i) => i.name === 'pred')!.shape).toEqual(['N', 'H', 'W', 3]);
    expect(nhwc.text).toContain('ReduceMax(pred, c_int64_3)');
    const [N, C, H, W] = [2, 3, 2, 3];
    const toNhwc = (data: Float64Array) => {
      const out = new Float32Array(data.length);
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++)
          for (let s = 0; s < H * W; s++) out[(n * H * W + s) * C + c] = data[(n * C + c) * H * W + s]!;
      return out;
    };
    const run = async (bytes: Uint8Array, feeds: Record<string, Tensor>) => {
      const s = await InferenceSession.create(bytes);
      const r = await s.run(feeds);
      await s.release();
      return r;
    };
    const params = Object.fromEntries(Object.entries(loss.params).map(([k, v]) => [k, new Tensor('float32', Float32Array.of(v), [])]));
    const labels = Float32Array.from(inputs.labels!.data);
    const a = await run(nchw.bytes, {
      ...params,
      pred: new Tensor('float32', Float32Array.from(inputs.pred!.data), [N, C, H, W]),
      labels: new Tensor('float32', labels, [N, 1, H, W]),
    });
    const b = await run(nhwc.bytes, {
      ...params,
      pred: new Tensor('float32', toNhwc(inputs.pred!.data), [N, H, W, C]),
      labels: new Tensor('float32', labels, [N, H, W, 1]),
    });
    expect(b.loss!.data[0]).toBeCloseTo(a.loss!.data[0] as number, 5);
    const gradNchwAsNhwc = toNhwc(Float64Array.from(a.grad_pred!.data as Float32Array));
    expect(compareArrays('grad', b.grad_pred!.data as Float32Array, gradNchwAsNhwc, tol)).toBeUndefined();
  });

  it('folds a constant broadcast along class in softmax: softmax of a class-constant is 1/C', async () => {
    const x = input('x', ['batch', 'spatial']);
    const loss = mean(mul(softmax(broadcastLike(x, pred)), pred));
    const data = Array.from({ length: 12 }, (_, i) => i / 7);
    const { out, model } = await runBoth(loss, { x: { shape: [2, 1, 2, 1], data: [1, 2, 3, 4] }, pred: { shape: [2, 3, 2, 1], data } }, []);
    expect(model.text).toContain('Reciprocal');
    expect(model.text).not.toContain('Softmax');
    const reference = evaluate(loss, {
      inputs: { x: { shape: [2, 2, 1], data: [1, 2, 3, 4] }, pred: { shape: [2, 3, 2, 1], data } },
    });
    expect(out.loss!.data[0]).toBeCloseTo(reference.value.data[0]!, 5);
  });
});
