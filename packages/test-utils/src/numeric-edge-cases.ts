import { catalogue } from '@losskit/core';
import type { FixedCase } from './fixed-cases.js';
import type { InputData } from './types.js';

/** [N, C, H, W] data from a function of (batch, class, pixel), rounded to float32. */
function tensor(n: number, c: number, h: number, w: number, f: (b: number, k: number, p: number) => number): InputData {
  const data = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) data[(b * c + k) * h * w + p] = Math.fround(f(b, k, p));
  return { shape: [n, c, h, w], data };
}

const labelOf = (b: number, p: number, c: number) => (b + p) % c;

/**
 * Logits near `offset` whose true class leads by at least `gap`: the exact cross-entropy is
 * about (C - 1) e^-gap, tiny and positive. Summing t z and log-sum-exp over all pixels before
 * subtracting loses it in the ulp of the large sums (and can make it negative).
 */
function confidentLogits(gap: number, offset: number): { pred: InputData; target: InputData; labels: InputData } {
  const [n, c, h, w] = [2, 3, 8, 8];
  const pred = tensor(n, c, h, w, (b, k, p) => offset + ((p * 7 + k * 3) % 11) / 4 + (k === labelOf(b, p, c) ? gap : -((p + k) % 5)));
  const target = tensor(n, c, h, w, (b, k, p) => (k === labelOf(b, p, c) ? 1 : 0));
  const labels = { shape: [n, h, w], data: Float64Array.from({ length: n * h * w }, (_, i) => labelOf(Math.floor(i / (h * w)), i % (h * w), c)) };
  return { pred, target, labels };
}

/** Probabilities at and next to the clamp bounds, against both targets. */
function boundaryProbabilities(): Record<string, InputData> {
  const values = [0, 1, 1e-9, 1 - 1e-9, 5e-8, 1 - 5e-8, 1e-7, 1 - 1e-7, 0.5, 1e-3];
  const pred = tensor(2, 1, 1, values.length, (_, __, p) => values[p]!);
  const target = tensor(2, 1, 1, values.length, (b) => b);
  return { pred, target };
}

/** Four classes, the last absent from the target of every image. */
function absentClass(): Record<string, InputData> {
  const [n, c, h, w] = [2, 4, 4, 4];
  const pred = tensor(n, c, h, w, (b, k, p) => Math.sin(1 + b + 2 * k + 0.7 * p));
  const target = tensor(n, c, h, w, (b, k, p) => (k === (b + p) % 3 ? 1 : 0));
  return { pred, target };
}

const CONFIDENT = { rtol: 1e-3, atol: 1e-7 };

/**
 * Inputs where float32 arithmetic goes wrong unless the graph is built for it: every backend must
 * match the float64 reference there. (No published numbers: the reference decides.)
 */
export function numericEdgeCases(): FixedCase[] {
  const cases: FixedCase[] = [];
  for (const [gap, offset] of [
    [12, -40],
    [16, 3000],
    [20, 0],
    [30, 50],
  ] as const) {
    const { pred, target, labels } = confidentLogits(gap, offset);
    const source = 'confident correct logits: the loss is ~e^-gap, below the ulp of the logits';
    cases.push(
      { name: `categoricalCrossEntropy, gap ${gap}, offset ${offset}`, source, loss: catalogue.categoricalCrossEntropy(), data: { pred, target }, nonNegative: true, backendTolerance: CONFIDENT },
      {
        name: `sparseCategoricalCrossEntropy, gap ${gap}, offset ${offset}`,
        source,
        loss: catalogue.sparseCategoricalCrossEntropy({ numClasses: 3 }),
        data: { pred, labels },
        nonNegative: true,
        backendTolerance: CONFIDENT,
      },
    );
  }
  for (const eps of [1e-7, 1e-3, 1e-9, 1e-30]) {
    const source = `probabilities 0 and 1: the clamp [${eps}, 1 - ${eps}] must be float32 values`;
    cases.push(
      { name: `binaryCrossEntropy from probabilities, eps ${eps}`, source, loss: catalogue.binaryCrossEntropy({ fromLogits: false, eps }), data: boundaryProbabilities() },
      { name: `focal binary from probabilities, eps ${eps}`, source, loss: catalogue.focal({ mode: 'binary', fromLogits: false, eps }), data: boundaryProbabilities() },
    );
  }
  for (const eps of [1e-7, 1e-18, 2 ** -63])
    for (const perImage of [false, true])
      cases.push({
        name: `generalizedDice, absent class, eps ${eps}${perImage ? ', per image' : ''}`,
        source: 'a class absent from the target: its weight 1/eps^2 must not reach 0 * inf',
        loss: catalogue.generalizedDice({ eps, perImage }),
        data: absentClass(),
      });
  return cases;
}
