import { InputError as CoreInputError, type Node, add, ema, evaluate, exp, gradient, input, leaves, mean, mul, param, paperExperiments, square, sub } from '@losskit/core';
import { makeInputs } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { InputError } from './inputs.js';
import { LOWERINGS } from './lowerings.js';
import { Program } from './program.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sizes = { batch: 2, class: 3, spatial: [4, 4] };
/** Core data (NCHW-flattened) as an NHWC tensor. */
const nhwc = (d: { shape: number[]; data: Float64Array }) =>
  d.shape.length === 4 ? tf.transpose(tf.tensor(Float32Array.from(d.data), d.shape), [0, 2, 3, 1]) : tf.tensor(Float32Array.from(d.data), d.shape);
const experiment = (id: number) => paperExperiments.find((e) => e.id === id)!;

describe('compile', () => {
  it('matches the core reference value and gradient, and the tfjs autodiff gradient', () => {
    const loss = experiment(22).build();
    const data = makeInputs(loss, sizes, 3);
    const inputs = { pred: nhwc(data.pred!), target: nhwc(data.target!) };
    const symbolic = compile(loss);
    const autodiff = compile(loss, { gradient: 'autodiff' });
    const a = symbolic.valueAndGrad(inputs, { training: false });
    const b = autodiff.valueAndGrad(inputs, { training: false });
    const reference = evaluate([loss.expr, gradient(loss.expr, leaves([loss.expr], 'input').get('pred')!)], { inputs: data });
    expect(a.value.dataSync()[0]).toBeCloseTo(reference.value.data[0]!, 5);
    const ga = tf.transpose(a.grads.pred!, [0, 3, 1, 2]).dataSync();
    const gb = tf.transpose(b.grads.pred!, [0, 3, 1, 2]).dataSync();
    reference.values[1]!.data.forEach((g, i) => {
      expect(ga[i]).toBeCloseTo(g, 6);
      expect(gb[i]).toBeCloseTo(g, 6);
    });
    tf.dispose([a.value, b.value, a.grads.pred!, b.grads.pred!, inputs.pred, inputs.target]);
    symbolic.dispose();
    autodiff.dispose();
  });

  it('gives the same numbers in NCHW as in NHWC', () => {
    const loss = experiment(12).build();
    const data = makeInputs(loss, sizes, 5);
    const nchwInputs = { pred: tf.tensor(Float32Array.from(data.pred!.data), data.pred!.shape), target: tf.tensor(Float32Array.from(data.target!.data), data.target!.shape) };
    const nhwcInputs = { pred: nhwc(data.pred!), target: nhwc(data.target!) };
    const a = compile(loss, { layout: 'NCHW' }).valueAndGrad(nchwInputs);
    const b = compile(loss).valueAndGrad(nhwcInputs);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 6);
    expect(a.grads.pred!.shape).toEqual([2, 3, 4, 4]);
    const bAsNchw = tf.transpose(b.grads.pred!, [0, 3, 1, 2]).dataSync();
    a.grads.pred!.dataSync().forEach((g, i) => {
      expect(g).toBeCloseTo(bAsNchw[i]!, 7);
    });
  });

  it('changes parameters between steps without recompiling', () => {
    const pred = input('pred');
    const target = input('target');
    const A = param('A', { default: 0.5 });
    const expr = mean(mul(A, exp(mul(sub(1, A), square(sub(pred, target))))));
    const loss = compile(expr);
    const data = makeInputs({ inputs: { pred: { roles: pred.roles, domain: 'real' }, target: { roles: target.roles, domain: 'real' } } }, sizes, 9);
    const inputs = { pred: nhwc(data.pred!), target: nhwc(data.target!) };
    for (const a of [0.5, 0.2, 0.9]) {
      loss.setParams({ A: a });
      expect(loss.getParams()).toEqual({ A: expect.closeTo(a, 6) });
      const want = evaluate(expr, { inputs: data, params: { A: a } }).value.data[0]!;
      expect(loss.value(inputs).dataSync()[0]! / want).toBeCloseTo(1, 6);
    }
    expect(() => loss.setParams({ B: 1 })).toThrow(/unknown parameter 'B': this loss has A/);
  });

  it("refuses an ema decay param outside [0, 1) with core's InputError, at compile and in setParams, changing nothing", () => {
    const x = input('pred');
    const expr = add(mean(x), ema(mean(square(x)), param('d', { default: 0.9 }), 's'));
    for (const bad of [1, 1.5, -0.5])
      expect(() => compile(expr, { params: { d: bad } }), String(bad)).toThrow(/ema 's': param 'd' is .*; the decay must be in \[0, 1\)/);
    const loss = compile(expr);
    for (const bad of [1, 1.5, -0.5]) {
      expect(() => loss.setParams({ d: bad })).toThrow(CoreInputError);
      expect(loss.getParams()).toEqual({ d: expect.closeTo(0.9, 6) });
    }
    loss.setParams({ d: 0.5 });
    expect(loss.getParams()).toEqual({ d: 0.5 });
    loss.dispose();
  });

  it('advances ema state once per training call, not on plain value calls, and reset() starts over', () => {
    const loss = experiment(12).build({ ema: 'stateful' });
    const compiled = compile(loss);
    const steps = [1, 2, 3].map((seed) => makeInputs(loss, sizes, seed));
    const tensors = steps.map((d) => ({ pred: nhwc(d.pred!), target: nhwc(d.target!) }));
    let state: Record<string, { shape: number[]; data: Float64Array }> | undefined;
    for (const [i, d] of steps.entries()) {
      compiled.value(tensors[i]!); // not a training call: no state change
      const { value } = compiled.valueAndGrad(tensors[i]!);
      const reference = evaluate(loss.expr, { inputs: d, ...(state ? { state } : {}) });
      expect(value.dataSync()[0]).toBeCloseTo(reference.value.data[0]!, 5);
      state = Object.fromEntries(Object.entries(reference.nextState).map(([k, t]) => [k, { shape: t.roles.map((r) => t.sizes[r]), data: t.data }]));
    }
    const stepCount = Object.entries(compiled.getState()).find(([name]) => name.endsWith('.steps'))![1];
    expect(stepCount.dataSync()[0]).toBe(3);
    compiled.reset();
    const fresh = evaluate(loss.expr, { inputs: steps[0]! }).value.data[0]!;
    expect(compiled.valueAndGrad(tensors[0]!).value.dataSync()[0]).toBeCloseTo(fresh, 5);
  });

  it('as a layers loss, updates state only while tfjs records gradients (a training step)', () => {
    const loss = experiment(8).build({ ema: 'stateful' });
    const compiled = compile(loss);
    const d = makeInputs(loss, sizes, 4);
    const yTrue = nhwc(d.target!);
    const yPred = nhwc(d.pred!);
    compiled(yTrue, yPred);
    expect(Object.values(compiled.getState()).every((t) => t.dataSync().every((v) => v === 0))).toBe(true);
    const grad = tf.grad((p: tf.Tensor) => compiled(yTrue, p))(yPred);
    const steps = Object.entries(compiled.getState()).find(([k]) => k.endsWith('.steps'))![1];
    expect(steps.dataSync()[0]).toBe(1);
    expect(grad.shape).toEqual(yPred.shape);
  });

  it('leaks no tensors over 1000 value+gradient calls (fused and through tf.grads)', { timeout: 60_000 }, () => {
    const loss = experiment(22).build({ ema: 'stateful' });
    const compiled = compile(loss);
    const d = makeInputs(loss, { batch: 1, class: 3, spatial: [2, 2] }, 2);
    const inputs = { pred: nhwc(d.pred!), target: nhwc(d.target!) };
    const step = () => {
      const { value, grads } = compiled.valueAndGrad(inputs);
      tf.dispose([value, ...Object.values(grads)]);
      // (not inside tf.tidy: tfjs 4.22 itself keeps one tensor per tf.grad call made inside a tidy)
      tf.grad((p: tf.Tensor) => compiled(inputs.target, p))(inputs.pred).dispose();
    };
    step(); // the first call creates the state variables and cached constants
    const before = tf.memory().numTensors;
    for (let i = 0; i < 500; i++) step(); // 1000 value+gradient calls
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names an op the lowering table lacks', () => {
    const table = { ...LOWERINGS, exp: undefined };
    expect(() => new Program([exp(input('pred')) as Node], table)).toThrow(/no lowering for op 'exp'/);
  });
});

describe('bad input', () => {
  const loss = compile(experiment(1).build());
  it('shape mismatch between yTrue and yPred names both shapes and the axis', () => {
    expect(() => loss(tf.zeros([2, 4, 4, 5]), tf.zeros([2, 4, 4, 3]))).toThrow(
      "shape mismatch: target 'target' [2, 4, 4, 5] vs prediction 'pred' [2, 4, 4, 3] (class axis: 5 vs 3)",
    );
    expect(() => loss(tf.zeros([2, 4, 4]), tf.zeros([2, 4, 4, 3]))).toThrow(/target 'target' has shape \[2,4,4\], expected \[N,H,W,C\]/);
  });
  it('wrong dtype', () => {
    const strings = tf.tensor(['a', 'b', 'c'], [1, 1, 1, 3], 'string');
    expect(() => loss(strings, tf.zeros([1, 1, 1, 3]))).toThrow(
      "target 'target' has dtype string; expected float32 (int32 or bool are accepted for data that is not differentiated)",
    );
    expect(() => loss.valueAndGrad({ pred: tf.zeros([2, 4, 4, 3], 'int32'), target: tf.zeros([2, 4, 4, 3]) })).toThrow(
      "prediction 'pred' has dtype int32, but it is differentiated: pass a float32 tensor",
    );
  });
  it('NaN inputs', () => {
    const pred = tf.tensor4d([0, 1, Number.NaN, 2], [1, 1, 1, 4]);
    expect(() => loss.value({ pred, target: tf.zeros([1, 1, 1, 4]) })).toThrow(
      /prediction 'pred' has a non-finite value \(NaN\) at flat index 2 of shape \[1,1,1,4\]/,
    );
  });
  it('wrong dtype or a missing prediction in a training step', () => {
    const target = tf.zeros([1, 2, 2, 3]);
    expect(() => tf.grad((p: tf.Tensor) => loss(target, p))(tf.zeros([1, 2, 2, 3], 'int32'))).toThrow(
      "prediction 'pred' has dtype int32, but it is differentiated: pass a float32 tensor",
    );
    expect(() => tf.grad(() => loss.call({ target }))(target)).toThrow(/missing prediction 'pred'/);
  });
  it("throws core's InputError (one class for bad data in every backend), zero-size inputs included", () => {
    expect(InputError).toBe(CoreInputError);
    expect(() => loss(tf.zeros([2, 4, 4, 5]), tf.zeros([2, 4, 4, 3]))).toThrow(CoreInputError);
    expect(() => loss(tf.zeros([0, 4, 4, 3]), tf.zeros([0, 4, 4, 3]))).toThrow(CoreInputError);
    expect(() => loss(tf.zeros([0, 4, 4, 3]), tf.zeros([0, 4, 4, 3]))).toThrow(/axis 0 \(batch\) has size 0; a loss over no elements is undefined/);
  });
  it("an input named '$upstream' does not collide with the vector-Jacobian product's internal input", () => {
    // non-scalar loss pred * u: d sum(loss)/d pred = u
    const u = tf.tensor4d([2, -3, 5, 7], [1, 2, 2, 1]);
    const x = tf.tensor4d([1, 1, 1, 1], [1, 2, 2, 1]);
    for (const name of ['$upstream', '$upstream_']) {
      const f = compile(mul(input('pred'), input(name)), { wrt: ['pred'] });
      const g = tf.grad((p: tf.Tensor) => tf.sum(f.call({ pred: p, [name]: u })))(x);
      expect(Array.from(g.dataSync()), name).toEqual([2, -3, 5, 7]);
    }
  });
  for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])
    it(`inputs and params named '${name}' are bound, and reported missing when absent`, () => {
      const f = compile(mean(add(mul(input('pred'), input(name)), param(name, { default: 2 }))), { wrt: ['pred', name] });
      const given = Object.fromEntries([['pred', tf.ones([1, 1, 1, 2])], [name, tf.tensor4d([3, 5], [1, 1, 1, 2])]]);
      expect(f.value(given).dataSync()[0]).toBe(6);
      const { grads } = f.valueAndGrad(given);
      expect(Object.keys(grads).sort()).toEqual(['pred', name].sort());
      expect(Array.from(grads[name]!.dataSync())).toEqual([0.5, 0.5]);
      expect(() => f.value({ pred: tf.ones([1, 1, 1, 2]) })).toThrow(`missing target '${name}'`);
    });
  it('a missing input', () => {
    expect(() => loss.value({ pred: tf.zeros([1, 2, 2, 3]) })).toThrow(
      "missing target 'target' (spans [batch, class, spatial]); this loss takes 'target', 'pred'",
    );
  });
});
