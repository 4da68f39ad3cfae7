import type { ConfusionMatrix } from '@losskit/core';
import { type CompiledLoss, compile } from '@losskit/tfjs';
import * as tf from '@tensorflow/tfjs';
import { type Batch, IGNORE_LABEL } from '../datasets/dataset.js';
import { installFastConvFilterGrad } from './tfjs-conv-filter-grad.js';
import { TFJS_MODELS } from './tfjs-models.js';
import type { SessionSpec, TrainingBackend, TrainingSession } from './training-backend.js';

/**
 * How each loss input is fed, by its domain: the network's logits (or their softmax), the one-hot
 * target, the integer labels, or the mask of scored pixels. Tensors are NHWC.
 */
type Feed = (logits: tf.Tensor4D, labels: tf.Tensor3D, numClasses: number) => tf.Tensor;
const FEEDS: Record<string, Feed> = {
  logits: (logits) => logits,
  probability: (logits) => tf.softmax(logits),
  onehot: (_, labels, c) => tf.oneHot(labels, c).toFloat(),
  labels: (_, labels) => labels,
  mask: (_, labels) => tf.onesLike(labels).toFloat(),
};

let cpuReady: Promise<boolean> | undefined;

export const tfjsBackend: TrainingBackend = {
  name: 'tfjs',
  description: 'TensorFlow.js (cpu backend): tfjs-layers U-Net / FCN-8s, Adam, loss compiled by @losskit/tfjs',
  async createSession(spec) {
    cpuReady ??= tf.setBackend('cpu');
    await cpuReady;
    installFastConvFilterGrad();
    return new TfjsSession(spec);
  },
};

class TfjsSession implements TrainingSession {
  private readonly model: tf.LayersModel;
  private readonly loss: CompiledLoss;
  private readonly optimizer: tf.Optimizer;

  constructor(private readonly spec: SessionSpec) {
    for (const [name, input] of Object.entries(spec.loss.inputs)) {
      if (!FEEDS[input.domain]) {
        throw new Error(
          `loss ${spec.loss.name}: input '${name}' has domain '${input.domain}'; the benchmark feeds ${Object.keys(FEEDS).join(', ')}`,
        );
      }
    }
    this.model = TFJS_MODELS[spec.model](spec);
    this.loss = compile(spec.loss, { layout: 'NHWC', checkFinite: false });
    this.optimizer = tf.train.adam(spec.learningRate);
  }

  async step(batch: Batch): Promise<{ loss: number }> {
    const { spec } = this;
    const kept = scoredPixels(batch);
    const value = tf.tidy(() => {
      const x = imagesNhwc(batch);
      return this.optimizer.minimize(() => {
        let logits = this.model.apply(x, { training: true }) as tf.Tensor4D;
        let labels = tf.tensor3d(Int32Array.from(batch.labels), [batch.size, batch.height, batch.width], 'int32');
        if (kept) {
          // ignored pixels take no part: gather the scored ones into one [1, M, 1] image
          const index = tf.tensor1d(kept, 'int32');
          logits = tf.gather(tf.reshape(logits, [-1, spec.numClasses]), index).reshape([1, kept.length, 1, spec.numClasses]);
          labels = tf.gather(tf.reshape(labels, [-1]), index).reshape([1, kept.length, 1]);
        }
        const inputs = Object.fromEntries(
          Object.entries(spec.loss.inputs).map(([name, input]) => [name, FEEDS[input.domain]!(logits, labels, spec.numClasses)]),
        );
        return this.loss.call(inputs) as tf.Scalar;
      }, true)!;
    });
    const loss = (await value.data())[0]!;
    value.dispose();
    return { loss };
  }

  async evaluate(batch: Batch, confusion: ConfusionMatrix): Promise<void> {
    const predicted = tf.tidy(() => tf.argMax(this.model.apply(imagesNhwc(batch), { training: false }) as tf.Tensor, -1));
    confusion.update(await predicted.data(), batch.labels);
    predicted.dispose();
  }

  async dispose(): Promise<void> {
    this.model.dispose();
    this.optimizer.dispose();
    this.loss.dispose();
  }
}

function imagesNhwc(batch: Batch): tf.Tensor4D {
  return tf.transpose(tf.tensor4d(batch.images, [batch.size, 3, batch.height, batch.width]), [0, 2, 3, 1]);
}

/** Flat indices of the pixels that are scored, or null when no pixel of the batch is ignored. */
function scoredPixels(batch: Batch): number[] | null {
  if (!batch.labels.includes(IGNORE_LABEL)) return null;
  const kept: number[] = [];
  batch.labels.forEach((label, i) => {
    if (label !== IGNORE_LABEL) kept.push(i);
  });
  return kept;
}
