import { paperExperiments } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it, vi } from 'vitest';
import { compile } from '../compile.js';

// A page whose content security policy forbids `new Function`: compiling a kernel throws EvalError.
vi.mock('./targets/js.js', async (original) => ({
  ...(await original<typeof import('./targets/js.js')>()),
  compileKernel: () => {
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not allowed");
  },
}));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('falls back to one kernel per op where generated code may not run', () => {
  const loss = compile(paperExperiments.find((e) => e.id === 7)!.build());
  const reference = compile(paperExperiments.find((e) => e.id === 7)!.build(), { fuse: false });
  const pred = tf.randomNormal([1, 3, 3, 4], 0, 1, 'float32', 5);
  const target = tf.oneHot(tf.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0], [1, 3, 3], 'int32'), 4).toFloat();
  for (let i = 0; i < 2; i++) {
    const a = loss.valueAndGrad({ pred, target });
    const b = reference.valueAndGrad({ pred, target });
    expect(a.value.dataSync()[0]).toBe(b.value.dataSync()[0]);
    expect(Array.from(a.grads.pred!.dataSync())).toEqual(Array.from(b.grads.pred!.dataSync()));
    tf.dispose([a.value, b.value, a.grads.pred!, b.grads.pred!]);
  }
});
