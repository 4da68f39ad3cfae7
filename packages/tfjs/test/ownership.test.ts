import { add, catalogue, input, mul, param, paperExperiments } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { compile } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('hands out tensors the caller may dispose: d(A*x)/dx = A is not the param itself', () => {
  const loss = compile(add(mul(param('A', { default: 0.5 }), input('x', [])), 1), { wrt: ['x'] });
  for (let i = 0; i < 2; i++) {
    const { value, grads } = loss.valueAndGrad({ x: tf.scalar(2) });
    expect(value.dataSync()[0]).toBe(2);
    expect(grads.x!.dataSync()[0]).toBe(0.5);
    tf.dispose([value, grads.x!]);
  }
  loss.dispose();
});

it('leaves zero tensors after compile/call/dispose cycles and after failing compiles', () => {
  const pred = tf.randomNormal([2, 4, 4, 3]);
  const target = tf.oneHot(tf.randomUniform([2, 4, 4], 0, 3, 'int32'), 3);
  const before = tf.memory().numTensors;
  for (const def of [catalogue.focal(), paperExperiments.find((e) => e.id === 22)!.build({ ema: 'stateful' })]) {
    const loss = compile(def);
    const { value, grads } = loss.valueAndGrad({ pred, target });
    tf.dispose([value, ...Object.values(grads), loss.value({ pred, target })]);
    loss.dispose();
  }
  expect(() => compile(add(param('A', { default: 1 }), param('B')))).toThrow(/no default/);
  expect(() => compile(catalogue.dice(), { wrt: ['nope'] })).toThrow(/not an input/);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([pred, target]);
});

it('names the layers loss after the loss', () => {
  const loss = compile(catalogue.dice());
  expect(loss.asLayersLoss().name).toBe(catalogue.dice().name);
  loss.dispose();
});
