import { type Node, add, div, input, logSoftmax, mean, mul, neg, softmax, sub, sum } from '@losskit/core';

/** Mean cross-entropy over labelled pixels with a one-hot target: -mean_{n,p} sum_c t log softmax(pred). */
export const crossEntropy = (): Node => mean(neg(sum(mul(input('target'), logSoftmax(input('pred'))), ['class'])));

/** Soft Dice loss averaged over classes: 1 - mean_c 2 sum(p t) / (sum p + sum t + 1). */
export const softDice = (): Node => {
  const p = softmax(input('pred'));
  const t = input('target');
  const overlap = sum(mul(p, t), ['batch', 'spatial']);
  const total = add(sum(p, ['batch', 'spatial']), sum(t, ['batch', 'spatial']), 1);
  return sub(1, mean(div(mul(2, overlap), total)));
};
