import { evaluate, gradient, leaves, mean, paperExperiments, paperTerms, seededRandom } from '@losskit/core';
import type { Sample } from '@losskit/seg-bench';
import { loadSynthetic } from '@losskit/seg-bench/synthetic';
import { seededNormal } from './group-lasso.js';

/**
 * Training paths in the (L1, L2) plane, recorded during a short run: where training with each
 * paper experiment actually goes, to draw on the heatmaps of Eqs. (1)-(9).
 *
 * The model is the smallest one that segments seg-bench's synthetic scenes: a per-pixel softmax
 * regression, logits[c] = W[c] · x over 7 features of a pixel (its RGB, the RGB mean of the 5 × 5
 * box around it, a constant 1). The loss is the paper experiment itself (core `evaluate`, per-pixel
 * reading, literal EMA), its gradient with respect to the logits the core's symbolic `gradient`;
 * dLoss/dW = Σ_pixels dLoss/dlogits ⊗ x; Adam. At every step the batch means of the per-pixel
 * L1_px = mean_c |p_c − t_c| and L2_px = mean_c (p_c − t_c)² are recorded, from the core's
 * `paperTerms` evaluated with the loss. A U-Net would start and end elsewhere; this model shows
 * the shape of the region, not the benchmark's numbers.
 */
export interface TrainingPath {
  readonly experiment: number;
  readonly name: string;
  readonly steps: readonly { readonly step: number; readonly loss: number; readonly L1: number; readonly L2: number }[];
}

export interface TrainingPathOptions {
  readonly imageSize?: number;
  readonly images?: number;
  readonly batch?: number;
  readonly steps?: number;
  readonly learningRate?: number;
  readonly seed?: number;
}

const FEATURES = 7;

/** Pixel features [N, F, P] of some scenes, scaled to [-1, 1], and their one-hot targets [N, C, P]. */
function pixelFeatures(samples: readonly Sample[], size: number, classes: number): { x: Float64Array; target: Float64Array } {
  const P = size * size;
  const x = new Float64Array(samples.length * FEATURES * P);
  const target = new Float64Array(samples.length * classes * P);
  samples.forEach((s, n) => {
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < size; i++)
        for (let j = 0; j < size; j++) {
          let sum = 0;
          let count = 0;
          for (let di = -2; di <= 2; di++)
            for (let dj = -2; dj <= 2; dj++) {
              const a = i + di;
              const b = j + dj;
              if (a < 0 || b < 0 || a >= size || b >= size) continue;
              sum += s.image[c * P + a * size + b]!;
              count++;
            }
          x[(n * FEATURES + c) * P + i * size + j] = s.image[c * P + i * size + j]! / 127.5 - 1;
          x[(n * FEATURES + 3 + c) * P + i * size + j] = sum / count / 127.5 - 1;
        }
    for (let p = 0; p < P; p++) {
      x[(n * FEATURES + 6) * P + p] = 1;
      const label = s.label[p]!;
      if (label < classes) target[(n * classes + label) * P + p] = 1;
    }
  });
  return { x, target };
}

export function recordTrainingPaths(experiments: readonly number[], options: TrainingPathOptions = {}): { paths: TrainingPath[]; numClasses: number } {
  const size = options.imageSize ?? 16;
  const images = options.images ?? 32;
  const batch = options.batch ?? 4;
  const stepCount = options.steps ?? 30;
  const lr = options.learningRate ?? 0.05;
  const seed = options.seed ?? 1;
  const data = loadSynthetic({ imageSize: size, trainImages: images, valImages: 0 });
  const C = data.classNames.length;
  const P = size * size;
  const { x, target } = pixelFeatures(data.train, size, C);
  const terms = paperTerms();
  const meanL1 = mean(terms.L1);
  const meanL2 = mean(terms.L2);
  const paths = experiments.map((id) => {
    const experiment = paperExperiments.find((e) => e.id === id);
    if (!experiment) throw new Error(`recordTrainingPaths: no paper experiment ${id} (1-27)`);
    const loss = experiment.build();
    const pred = leaves([loss.expr], 'input').get('pred')!;
    const dPred = gradient(loss.expr, pred);
    // the same initial weights for every experiment (seed), so paths start together
    const normal = seededNormal(seed);
    const W = Float64Array.from({ length: C * FEATURES }, () => 0.01 * normal());
    const m = new Float64Array(W.length);
    const v = new Float64Array(W.length);
    const order = seededRandom(seed + 1);
    const steps: { step: number; loss: number; L1: number; L2: number }[] = [];
    for (let t = 1; t <= stepCount; t++) {
      const picks = Array.from({ length: batch }, () => Math.floor(order() * images));
      const logits = new Float64Array(batch * C * P);
      const tb = new Float64Array(batch * C * P);
      picks.forEach((n, b) => {
        for (let c = 0; c < C; c++)
          for (let p = 0; p < P; p++) {
            let z = 0;
            for (let f = 0; f < FEATURES; f++) z += W[c * FEATURES + f]! * x[(n * FEATURES + f) * P + p]!;
            logits[(b * C + c) * P + p] = z;
            tb[(b * C + c) * P + p] = target[(n * C + c) * P + p]!;
          }
      });
      const { values } = evaluate([loss.expr, dPred, meanL1, meanL2], {
        inputs: { pred: { shape: [batch, C, P], data: logits }, target: { shape: [batch, C, P], data: tb } },
        params: loss.params,
      });
      const [value, grad, l1, l2] = values.map((tensor) => tensor.data) as [Float64Array, Float64Array, Float64Array, Float64Array];
      steps.push({ step: t - 1, loss: value[0]!, L1: l1[0]!, L2: l2[0]! });
      // dLoss/dW[c, f] = Σ_{b, p} dLoss/dlogits[b, c, p] · x[b, f, p]
      const gW = new Float64Array(W.length);
      picks.forEach((n, b) => {
        for (let c = 0; c < C; c++)
          for (let f = 0; f < FEATURES; f++) {
            let s = 0;
            for (let p = 0; p < P; p++) s += grad[(b * C + c) * P + p]! * x[(n * FEATURES + f) * P + p]!;
            gW[c * FEATURES + f] = s;
          }
      });
      // Adam (beta1 0.9, beta2 0.999, eps 1e-8), bias-corrected
      for (let k = 0; k < W.length; k++) {
        m[k] = 0.9 * m[k]! + 0.1 * gW[k]!;
        v[k] = 0.999 * v[k]! + 0.001 * gW[k]! ** 2;
        W[k] = W[k]! - (lr * (m[k]! / (1 - 0.9 ** t))) / (Math.sqrt(v[k]! / (1 - 0.999 ** t)) + 1e-8);
      }
    }
    return { experiment: id, name: experiment.name, steps };
  });
  return { paths, numClasses: C };
}
