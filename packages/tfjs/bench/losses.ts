// The losses of the benchmarks and their hand-written tfjs twins (NHWC, class last), shared by the
// cpu/wasm benchmark (throughput.ts) and the browser one (gpu.ts).
import { type Loss, catalogue, paperExperiments, weightedSum } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';

const A = 0.25;
const B = 0.5;
export type Hand = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/** The base terms as one would write them in tfjs (NHWC, class last). */
function terms(pred: tf.Tensor, target: tf.Tensor) {
  const crossEntropy = tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(pred)), -1)));
  const difference = tf.sub(tf.softmax(pred), target);
  return { crossEntropy, L1: tf.mean(tf.abs(difference)), L2: tf.mean(tf.square(difference)), difference };
}
const biElu = (z: tf.Tensor) => tf.sub(tf.elu(z), tf.elu(tf.neg(z)));
/** A*Step1 with Step1 = A L1 - (1-A) L1 - B L2 (Eqs. 4-6) */
const step1Mixed = (L1: tf.Tensor, L2: tf.Tensor) => tf.sub(tf.sub(tf.mul(A, L1), tf.mul(1 - A, L1)), tf.mul(B, L2));
const step1Linear = (L1: tf.Tensor, L2: tf.Tensor) => tf.sub(tf.sub(tf.mul(A, L1), tf.mul(B, L1)), tf.mul(B, L2));

/** Hand-written twins of the compiled losses (the exp cap never engages at these values). */
export const HAND: Record<string, Hand> = {
  'exp 1': (p, t) => terms(p, t).crossEntropy as tf.Scalar,
  'exp 7': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    return tf.addN([crossEntropy, tf.mul(tf.mul(A, L1), tf.exp(tf.mul(B, L2))), tf.mul(A, L1), tf.mul(B, L2)]) as tf.Scalar;
  },
  'exp 12': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Mixed(L1, L2)), tf.mul(1 - A, L2));
    return tf.add(crossEntropy, biElu(z)) as tf.Scalar;
  },
  'exp 22': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Mixed(L1, L2)), tf.mul(1 - A, L2));
    return tf.addN([crossEntropy, biElu(z), tf.mul(tf.mul(A, L1), tf.exp(tf.mul(1 - A, L2)))]) as tf.Scalar;
  },
  'exp 27': (p, t) => {
    const { crossEntropy, L1, L2 } = terms(p, t);
    const z = tf.add(tf.mul(A, step1Linear(L1, L2)), tf.mul(B, L2));
    return tf.addN([crossEntropy, biElu(z), tf.mul(tf.mul(A, L1), tf.exp(tf.mul(B, L2)))]) as tf.Scalar;
  },
  'Dice+CE': (p, t) => {
    const probs = tf.softmax(p);
    const axes = [0, 1, 2];
    const intersection = tf.sum(tf.mul(probs, t), axes);
    const denominator = tf.maximum(tf.add(tf.add(tf.sum(probs, axes), tf.sum(t, axes)), 1e-5), 1e-7);
    const dice = tf.mean(tf.sub(1, tf.div(tf.add(tf.mul(2, intersection), 1e-5), denominator)));
    const crossEntropy = tf.mean(tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(p)), -1)));
    return tf.add(dice, crossEntropy) as tf.Scalar;
  },
};

/**
 * Lovász-softmax as smp writes it (classes present, pixels of the batch pooled) in tf ops: per class
 * a full sort of the errors, the foreground gathered in that order, Jaccard differences from
 * cumsums. The sort runs in a customGrad (tfjs's tape refuses the int32 indices of a gather).
 */
/** x[i, idx[i, j]] by one flat gather: tfjs-backend-wasm 4.22's batched gather (batchDims 1) returns wrong rows. */
const gatherRows = (x: tf.Tensor, idx: tf.Tensor): tf.Tensor => {
  const [rows, n] = x.shape as [number, number];
  const offsets = tf.mul(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), tf.scalar(n, 'int32'));
  return tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(tf.add(idx, offsets), [-1])), [rows, n]);
};
const sortedByErrors = tf.customGrad(((errors: tf.Tensor, fg: tf.Tensor, save: tf.GradSaveFunc) => {
  const order = tf.topk(errors as tf.Tensor2D, errors.shape[1]!, true).indices;
  const inverse = tf.topk(tf.neg(tf.cast(order, 'float32')) as tf.Tensor2D, errors.shape[1]!, true).indices;
  save([inverse]);
  const sorted = gatherRows(errors, order);
  return {
    value: tf.stack([sorted, gatherRows(fg, order)]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [gatherRows(tf.squeeze(tf.slice(dy, [0], [1]), [0]), saved[0]!), tf.zerosLike(fg)],
  };
}) as never) as (errors: tf.Tensor, fg: tf.Tensor) => tf.Tensor;

function lovaszSoftmaxHand(p: tf.Tensor, t: tf.Tensor): tf.Scalar {
  const classes = p.shape.at(-1)!;
  const probs = tf.transpose(tf.reshape(tf.softmax(p), [-1, classes]));
  const fg = tf.transpose(tf.reshape(t, [-1, classes]));
  const both = sortedByErrors(tf.abs(tf.sub(fg, probs)), fg);
  const [errors, fgSorted] = tf.unstack(both);
  const total = tf.sum(fg, 1, true);
  const intersection = tf.sub(total, tf.cumsum(fgSorted!, 1));
  const union = tf.add(total, tf.cumsum(tf.sub(1, fgSorted!), 1));
  const jaccard = tf.sub(1, tf.div(intersection, union));
  const n = jaccard.shape[1]!;
  const grad = tf.concat([tf.slice(jaccard, [0, 0], [-1, 1]), tf.sub(tf.slice(jaccard, [0, 1], [-1, n - 1]), tf.slice(jaccard, [0, 0], [-1, n - 1]))], 1);
  const perClass = tf.sum(tf.mul(errors!, grad), 1);
  const present = tf.cast(tf.greater(tf.squeeze(total, [1]), 0), 'float32');
  return tf.div(tf.sum(tf.mul(perClass, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
}
HAND['Lovász-softmax'] = lovaszSoftmaxHand;

const experiment = (id: number) => paperExperiments.find((e) => e.id === id)!.build({ reading: 'batch' });
export const LOSSES: Record<string, Loss> = {
  'exp 1': experiment(1),
  'exp 7': experiment(7),
  'exp 12': experiment(12),
  'exp 22': experiment(22),
  'exp 27': experiment(27),
  'Dice+CE': weightedSum('dice+ce', [{ loss: catalogue.dice() }, { loss: catalogue.categoricalCrossEntropy() }]),
  'Lovász-softmax': catalogue.lovaszSoftmax(),
};

/**
 * How far the hand-written twin may be from the compiled loss (default 1e-4 value, 1e-3 gradient).
 * The hand-written Lovász-softmax differences 1 - I/U as smp does, which loses about n ulps of the
 * Jaccard index at n pixels: ~1 % of the gradient and 6e-4 of the value (wasm) at 2^18 pixels per
 * class, where the compiled loss is within 2e-5 of float64 (bench/lovasz-accuracy.ts).
 */
const TOLERANCE: Record<string, { value: number; gradient: number }> = { 'Lovász-softmax': { value: 2e-3, gradient: 2e-2 } };
export const agreement = (name: string) => TOLERANCE[name] ?? { value: 1e-4, gradient: 1e-3 };
