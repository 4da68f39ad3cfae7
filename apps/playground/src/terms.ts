// The names a playground formula may use: the catalogue's segmentation losses over logits 'pred'
// and a one-hot 'target' (softmax inside), each a scalar.
import { type Loss, type Node, catalogue } from '@losskit/core';

export interface Term {
  /** What the name stands for, shown under the editor. */
  readonly description: string;
  readonly loss: Loss;
}

export const TERMS: Readonly<Record<string, Term>> = {
  CE: { description: 'categorical cross-entropy', loss: catalogue.categoricalCrossEntropy() },
  Dice: { description: 'soft Dice loss, 1 − mean Dice over classes', loss: catalogue.dice() },
  Jaccard: { description: 'soft Jaccard (IoU) loss', loss: catalogue.jaccard() },
  Focal: { description: 'focal loss (γ = 2)', loss: catalogue.focal() },
  Tversky: { description: 'Tversky loss (α = β = 0.5 by default)', loss: catalogue.tversky() },
};

/** Each term's expression, for binding names when the formula is trained. */
export const termExpressions = (): Record<string, Node> =>
  Object.fromEntries(Object.entries(TERMS).map(([name, t]) => [name, t.loss.expr]));
