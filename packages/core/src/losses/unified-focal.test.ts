import { describe, expect, it } from 'vitest';
import { input } from '../builders.js';
import { evaluate, evaluateScalar } from '../evaluate.js';
import { gradient } from '../gradient.js';
import { finiteDifferenceGradient, maxRelativeError } from '../testing/finite-difference.js';
import { OptionError } from './options.js';
import { type Data, inputsOf, makeData } from './reference.test-support.js';
import { asymmetricFocal, asymmetricFocalTversky, unifiedFocal } from './unified-focal.js';

/**
 * Plain-JS transcription of the authors' Keras code (mlyg/unified-focal-loss, loss_functions.py:
 * asymmetric_focal_loss, asymmetric_focal_tversky_loss, asym_unified_focal_loss) on [N, C, S]
 * probabilities, generalised from C = 2 by treating classes 1..C-1 as the foreground.
 */
const at = (d: Data, b: number, c: number, s: number) => (b * d.C + c) * d.S + s;
const clip = (p: number, eps: number) => Math.min(Math.max(p, eps), 1 - eps);

function referenceFocal(d: Data, delta: number, gamma: number, eps = 1e-7): number {
  let total = 0;
  for (let b = 0; b < d.N; b++)
    for (let s = 0; s < d.S; s++)
      for (let c = 0; c < d.C; c++) {
        const p = clip(d.pred[at(d, b, c, s)]!, eps);
        const ce = -d.target[at(d, b, c, s)]! * Math.log(p);
        total += c === 0 ? (1 - delta) * (1 - p) ** gamma * ce : delta * ce;
      }
  return total / (d.N * d.S);
}

function referenceTversky(d: Data, delta: number, gamma: number, eps = 1e-7): number {
  let total = 0;
  for (let b = 0; b < d.N; b++)
    for (let c = 0; c < d.C; c++) {
      let tp = 0;
      let fn = 0;
      let fp = 0;
      for (let s = 0; s < d.S; s++) {
        const p = clip(d.pred[at(d, b, c, s)]!, eps);
        const t = d.target[at(d, b, c, s)]!;
        tp += t * p;
        fn += t * (1 - p);
        fp += (1 - t) * p;
      }
      const ti = (tp + eps) / (tp + delta * fn + (1 - delta) * fp + eps);
      total += c === 0 ? 1 - ti : (1 - ti) * (1 - ti) ** -gamma;
    }
  return total / (d.N * d.C);
}

const pred = input('pred');

function checkGradient(expr: Parameters<typeof gradient>[0], inputs: ReturnType<typeof inputsOf>) {
  const env = { inputs };
  const g = evaluate(gradient(expr, pred), env).value.data;
  expect(g.every(Number.isFinite)).toBe(true);
  expect(maxRelativeError(g, finiteDifferenceGradient(expr, 'pred', env))).toBeLessThan(1e-6);
}

describe('unified focal family (Yeung et al. 2022)', () => {
  // p(foreground) = [0.8, 0.3], target foreground = [1, 0], background = 1 - foreground
  const tiny = { pred: { shape: [1, 2, 2], data: [0.2, 0.7, 0.8, 0.3] }, target: { shape: [1, 2, 2], data: [0, 1, 1, 0] } };

  it('matches values computed by hand from the authors\' formulas (2 pixels, 2 classes)', () => {
    // AFL: (0.7 (-log 0.8) + 0.3 * 0.3^2 (-log 0.7)) / 2
    expect(evaluateScalar(asymmetricFocal({ fromLogits: false }).expr, { inputs: tiny })).toBeCloseTo(0.08291535470314629, 12);
    // AFTL: TI_0 = 0.7 / 0.97, TI_1 = 0.8 / 1.03 (+1e-7 each); ((1 - TI_0) + (1 - TI_1)^0.25) / 2
    expect(evaluateScalar(asymmetricFocalTversky({ fromLogits: false }).expr, { inputs: tiny })).toBeCloseTo(0.4828856223250234, 12);
    // unified, delta 0.6, gamma 0.5, lambda 0.5
    expect(evaluateScalar(unifiedFocal({ fromLogits: false }).expr, { inputs: tiny })).toBeCloseTo(0.24081185980669167, 12);
  });

  it.each([
    [2, 0.7, 2],
    [3, 0.6, 0.5],
    [4, 0.25, 0],
  ])('C = %i, delta %f, gamma %f: value as the reference, gradient as finite differences', (C, delta, gamma) => {
    const d = makeData(2, C, 5, 3 + C, true);
    const inputs = inputsOf(d);
    const afl = asymmetricFocal({ fromLogits: false, numClasses: C, delta, gamma });
    const aftl = asymmetricFocalTversky({ fromLogits: false, numClasses: C, delta, gamma: Math.min(gamma, 0.9) });
    const ufl = unifiedFocal({ fromLogits: false, numClasses: C, delta, gamma: Math.min(gamma, 0.9), weight: 0.3 });
    expect(evaluateScalar(afl.expr, { inputs })).toBeCloseTo(referenceFocal(d, delta, gamma), 12);
    const tversky = referenceTversky(d, delta, Math.min(gamma, 0.9));
    expect(evaluateScalar(aftl.expr, { inputs })).toBeCloseTo(tversky, 12);
    const unified = 0.3 * tversky + 0.7 * referenceFocal(d, delta, Math.min(gamma, 0.9));
    expect(evaluateScalar(ufl.expr, { inputs })).toBeCloseTo(unified, 12);
    for (const loss of [afl, aftl, ufl]) checkGradient(loss.expr, inputs);
  });

  it('from logits: softmax probabilities, the same value as from probabilities, exact gradients', () => {
    const d = makeData(2, 3, 4, 9);
    const inputs = inputsOf(d);
    const probs = Float64Array.from(d.pred);
    for (let b = 0; b < d.N; b++)
      for (let s = 0; s < d.S; s++) {
        const z = [0, 1, 2].map((c) => Math.exp(d.pred[at(d, b, c, s)]!));
        const total = z.reduce((a, v) => a + v, 0);
        for (let c = 0; c < 3; c++) probs[at(d, b, c, s)] = z[c]! / total;
      }
    const withProbs = { ...inputs, pred: { shape: [2, 3, 4], data: probs } };
    const asLogits = unifiedFocal({ numClasses: 3 });
    const asProbs = unifiedFocal({ numClasses: 3, fromLogits: false });
    expect(evaluateScalar(asLogits.expr, { inputs })).toBeCloseTo(evaluateScalar(asProbs.expr, { inputs: withProbs }), 10);
    checkGradient(asLogits.expr, inputs);
  });

  it('sparse labels with an ignore index equal the dense target with a mask', () => {
    const d = makeData(2, 3, 6, 21);
    const inputs = inputsOf(d);
    const labels = Float64Array.from(d.labels, (l, i) => (i % 4 === 1 ? 255 : l));
    const mask = Float64Array.from(labels, (l) => (l === 255 ? 0 : 1));
    const target = Float64Array.from(d.target, (t, i) => (labels[Math.floor(i / 18) * 6 + (i % 6)] === 255 ? 0 : t));
    for (const build of [asymmetricFocal, asymmetricFocalTversky, unifiedFocal]) {
      const sparse = build({ sparse: true, numClasses: 3, ignoreIndex: 255 });
      const dense = build({ mask: true, numClasses: 3 });
      const sparseInputs = { pred: inputs.pred!, labels: { shape: [2, 6], data: labels } };
      const denseInputs = { pred: inputs.pred!, target: { shape: [2, 3, 6], data: target }, mask: { shape: [2, 6], data: mask } };
      expect(evaluateScalar(sparse.expr, { inputs: sparseInputs })).toBeCloseTo(evaluateScalar(dense.expr, { inputs: denseInputs }), 12);
    }
  });

  it('rejects options outside their domain, naming them', () => {
    expect(() => asymmetricFocalTversky({ gamma: 1.5 })).toThrow(OptionError);
    expect(() => asymmetricFocal({ delta: -0.1 })).toThrow(/delta/);
    expect(() => unifiedFocal({ numClasses: 1 })).toThrow(/numClasses/);
    expect(() => asymmetricFocal({ weight: 0.5 })).toThrow(/weight is an option of unifiedFocal only/);
    expect(() => unifiedFocal({ reduction: 'none' })).toThrow(/reduction 'none'/);
  });
});
