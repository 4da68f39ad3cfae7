/**
 * Float32 accuracy of Lovász-softmax on tfjs cpu against the core's float64 reference, compiled
 * (cancellation-free Jaccard differences, see core's lovaszExtension) vs written by hand as smp's
 * reference code (1 - I/U, then differenced), at growing pixel counts. Prints the largest gradient
 * error relative to the largest gradient, and the value's relative error.
 *
 *   npx tsx --conditions=source bench/lovasz-accuracy.ts      (BENCH_BACKEND=wasm ...: on wasm)
 */
import { loadavg } from 'node:os';
import { catalogue, evaluate, gradient, input } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { compile } from '../src/index.js';
import { HAND } from './losses.js';

await tf.setBackend(process.env.BENCH_BACKEND ?? 'cpu');
await tf.ready();
const loss = catalogue.lovaszSoftmax();
const reference = [loss.expr, gradient(loss.expr, input('pred'))];
const toNchw = (t: tf.Tensor, shape: number[]) => ({ shape: [shape[0]!, shape[3]!, shape[1]!, shape[2]!], data: tf.transpose(t, [0, 3, 1, 2]).dataSync() });
const fromNchw = (data: Float64Array, shape: number[]) => tf.transpose(tf.tensor(Float32Array.from(data), [shape[0]!, shape[3]!, shape[1]!, shape[2]!]), [0, 2, 3, 1]).dataSync();
console.log(`tfjs ${tf.getBackend()}, load average (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
console.log('| pixels per class | compiled: value rel. error | compiled: max gradient error / max gradient | smp-style by hand: value | by hand: gradient |');
console.log('|---|---|---|---|---|');
for (const side of [16, 64, 128, 256]) {
  const shape = [4, side, side, 4];
  const pred = tf.randomNormal(shape, 0, 1.5, 'float32', 1);
  const target = tf.tidy(() => tf.oneHot(tf.argMax(tf.randomUniform(shape, 0, 1, 'float32', 2), -1), 4).toFloat());
  const exact = evaluate(reference, { inputs: { pred: toNchw(pred, shape), target: toNchw(target, shape) } });
  const value = exact.values[0]!.data[0]!;
  const grad = fromNchw(exact.values[1]!.data, shape);
  const compiled = compile(loss, { checkFinite: false }).valueAndGrad({ pred, target }, { training: false });
  const hand = tf.valueAndGrad((p: tf.Tensor) => HAND['Lovász-softmax']!(p, target))(pred);
  const scale = Array.from(grad).reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  const worst = (g: ArrayLike<number>) => Array.from(g).reduce((m, x, i) => Math.max(m, Math.abs(x - grad[i]!)), 0) / scale;
  const rel = (v: number) => Math.abs(v - value) / value;
  console.log(
    `| ${4 * side * side} | ${rel(compiled.value.dataSync()[0]!).toExponential(1)} | ${worst(compiled.grads.pred!.dataSync()).toExponential(1)} | ${rel(hand.value.dataSync()[0]!).toExponential(1)} | ${worst(hand.grad.dataSync()).toExponential(1)} |`,
  );
}
