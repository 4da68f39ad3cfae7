import { abs, add, catalogue, exp, input, mean, mul, param, softmax, square, sub, weightedSum } from '@losskit/core';
import { compile } from '@losskit/tfjs';
import * as tf from '@tensorflow/tfjs';

export async function readmeExample(images: tf.Tensor4D, masks: tf.Tensor4D) {
  // A hybrid loss: cross-entropy + Dice + A L1 e^((1-A) L2) on the softmax probabilities.
  const pred = input('pred'); // logits [N, H, W, C]
  const target = input('target'); // one-hot [N, H, W, C]
  const A = param('A', { default: 0.25 });
  const difference = sub(softmax(pred), target);
  const L1 = mean(abs(difference));
  const L2 = mean(square(difference));
  const base = weightedSum('ce+dice', [{ loss: catalogue.categoricalCrossEntropy() }, { loss: catalogue.dice() }]);
  const loss = compile(add(base.expr, mul(A, L1, exp(mul(sub(1, A), L2)))));

  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }), // logits for 4 classes
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.02), loss: loss.asLayersLoss() });
  const first = await model.fit(images, masks, { epochs: 5, verbose: 0 });
  loss.setParams({ A: 0.5 }); // takes effect at the next step, no recompilation
  const second = await model.fit(images, masks, { epochs: 5, verbose: 0 });
  return [...(first.history.loss as number[]), ...(second.history.loss as number[])];
}
