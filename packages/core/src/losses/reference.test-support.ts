/**
 * Plain-JS reference implementations of the catalogue losses for the tests: loops over
 * [N, C, S] arrays, written from the definitions, sharing no code with the IR builders.
 * Test-only (not exported from the package index).
 */
import { seededRandom } from '../testing/finite-difference.js';

export interface Data {
  readonly N: number;
  readonly C: number;
  readonly S: number;
  /** [N, C, S] logits, or probabilities when built with probabilities. */
  readonly pred: Float64Array;
  /** [N, C, S] one-hot of `labels`. */
  readonly target: Float64Array;
  /** [N, S] class labels; may include an ignore index. */
  readonly labels: Float64Array;
  /** [N, C, S] 0/1 (multilabel / binary targets). */
  readonly binary: Float64Array;
  /** [N, S] 0/1. */
  readonly mask: Float64Array;
}

/** Random data: logits in [-3, 3] (or probabilities in (0.02, 0.98)), labels in [0, C). */
export function makeData(N: number, C: number, S: number, seed: number, probabilities = false): Data {
  const r = seededRandom(seed);
  const pred = Float64Array.from({ length: N * C * S }, () => (probabilities ? 0.02 + 0.96 * r() : -3 + 6 * r()));
  const binary = Float64Array.from({ length: N * C * S }, () => (r() < 0.4 ? 1 : 0));
  // one channel (binary mode): labels are the 0/1 foreground, and the target is that channel
  const labels =
    C === 1 ? Float64Array.from(binary) : Float64Array.from({ length: N * S }, () => Math.min(C - 1, Math.floor(r() * C)));
  const target = C === 1 ? Float64Array.from(binary) : new Float64Array(N * C * S);
  if (C > 1) for (let b = 0; b < N; b++) for (let s = 0; s < S; s++) target[(b * C + labels[b * S + s]!) * S + s] = 1;
  const mask = Float64Array.from({ length: N * S }, () => (r() < 0.75 ? 1 : 0));
  return { N, C, S, pred, target, labels, binary, mask };
}

/** The evaluator's input values for each input a loss may take. */
export function inputsOf(d: Data): Record<string, { shape: number[]; data: Float64Array }> {
  return {
    pred: { shape: [d.N, d.C, d.S], data: d.pred },
    target: { shape: [d.N, d.C, d.S], data: d.target },
    labels: { shape: [d.N, d.S], data: d.labels },
    mask: { shape: [d.N, d.S], data: d.mask },
  };
}

/** Like inputsOf, with the 0/1 multilabel target as 'target'. */
export function binaryInputsOf(d: Data): Record<string, { shape: number[]; data: Float64Array }> {
  return { ...inputsOf(d), target: { shape: [d.N, d.C, d.S], data: d.binary } };
}

// biome-ignore lint/suspicious/noExplicitAny: reference options mirror every loss's options
export type Options = Record<string, any>;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const at = (d: Data, b: number, c: number, s: number): number => (b * d.C + c) * d.S + s;

function softmaxAt(d: Data, b: number, s: number): number[] {
  const z = Array.from({ length: d.C }, (_, c) => d.pred[at(d, b, c, s)]!);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const total = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / total);
}

/** Probability of class c at (b, s) per mode / fromLogits. */
function probability(d: Data, o: Options, b: number, c: number, s: number): number {
  const x = d.pred[at(d, b, c, s)]!;
  if (o.fromLogits === false) return x;
  return (o.mode ?? 'multiclass') === 'multiclass' ? softmaxAt(d, b, s)[c]! : sigmoid(x);
}

function targetValue(d: Data, o: Options, b: number, c: number, s: number, multiclassDefault: boolean): number {
  const mode = o.mode ?? (multiclassDefault ? 'multiclass' : 'binary');
  if (o.sparse) {
    const label = d.labels[b * d.S + s]!;
    return mode === 'binary' ? (label === 1 ? 1 : 0) : label === c ? 1 : 0;
  }
  return mode === 'multiclass' ? d.target[at(d, b, c, s)]! : d.binary[at(d, b, c, s)]!;
}

function validAt(d: Data, o: Options, b: number, s: number): number {
  if (o.sparse && o.ignoreIndex !== undefined) return d.labels[b * d.S + s] === o.ignoreIndex ? 0 : 1;
  if (o.mask) return d.mask[b * d.S + s]!;
  return 1;
}

function classWeight(o: Options, c: number): number {
  const w = o.classWeights ? o.classWeights[c] : 1;
  return c === 0 && o.includeBackground === false ? 0 : w;
}

function reduceList(values: number[], weights: number[], reduction: string | undefined): number {
  const weighted = values.reduce((a, v, i) => a + v * weights[i]!, 0);
  if (reduction === 'sum') return weighted;
  const total = weights.reduce((a, w) => a + w, 0);
  return total > 0 ? weighted / total : 0;
}

function pointwise(d: Data, o: Options, f: (x: number) => number): number {
  const values = Array.from(d.pred, (p, i) => f(p - d.target[i]!));
  return reduceList(values, values.map(() => 1), o.reduction);
}

const clampP = (p: number, eps: number, hi = 1 - eps) => Math.min(Math.max(p, eps), hi);

function bce(d: Data, o: Options): number {
  const values: number[] = [];
  const weights: number[] = [];
  const eps = o.eps ?? 1e-7;
  const smoothing = o.labelSmoothing ?? 0;
  for (let b = 0; b < d.N; b++)
    for (let c = 0; c < d.C; c++)
      for (let s = 0; s < d.S; s++) {
        const t = targetValue(d, o, b, c, s, false) * (1 - smoothing) + smoothing / 2;
        const x = d.pred[at(d, b, c, s)]!;
        const p = o.fromLogits === false ? clampP(x, eps) : sigmoid(x);
        values.push(-(t * Math.log(p) + (1 - t) * Math.log(1 - p)));
        weights.push(validAt(d, o, b, s) * classWeight(o, c));
      }
  return reduceList(values, weights, o.reduction);
}

function categorical(d: Data, o: Options): number {
  const values: number[] = [];
  const weights: number[] = [];
  const smoothing = o.labelSmoothing ?? 0;
  for (let b = 0; b < d.N; b++)
    for (let s = 0; s < d.S; s++) {
      let loss = 0;
      let pixelWeight = 0;
      for (let c = 0; c < d.C; c++) {
        const t = targetValue(d, o, b, c, s, true);
        const p = o.fromLogits === false ? clampP(d.pred[at(d, b, c, s)]!, o.eps ?? 1e-7, 1) : softmaxAt(d, b, s)[c]!;
        loss -= (t * (1 - smoothing) + smoothing / d.C) * Math.log(p);
        pixelWeight += t * (o.classWeights ? o.classWeights[c] : 1);
      }
      values.push(loss);
      weights.push(validAt(d, o, b, s) * (o.classWeights ? pixelWeight : 1));
    }
  return reduceList(values, weights, o.reduction);
}

function focal(d: Data, o: Options): number {
  const gamma = o.gamma ?? 2;
  const mode = o.mode ?? 'multiclass';
  const values: number[] = [];
  const weights: number[] = [];
  for (let b = 0; b < d.N; b++)
    for (let s = 0; s < d.S; s++) {
      if (mode === 'multiclass') {
        let v = 0;
        for (let c = 0; c < d.C; c++) {
          const p = probability(d, o, b, c, s);
          v -= classWeight(o, c) * targetValue(d, o, b, c, s, true) * (1 - p) ** gamma * Math.log(p);
        }
        values.push((o.alpha ?? 1) * v);
        weights.push(validAt(d, o, b, s));
        continue;
      }
      for (let c = 0; c < d.C; c++) {
        const p = probability(d, o, b, c, s);
        const t = targetValue(d, o, b, c, s, false);
        const ce = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
        const alpha = o.alpha === undefined ? 1 : o.alpha * t + (1 - o.alpha) * (1 - t);
        values.push(classWeight(o, c) * alpha * (t * (1 - p) + (1 - t) * p) ** gamma * ce);
        weights.push(validAt(d, o, b, s));
      }
    }
  return reduceList(values, weights, o.reduction);
}

interface Counts {
  I: number;
  P: number;
  T: number;
}

/** Soft counts per class, or per image and class: result[group][c]. */
function overlapCounts(d: Data, o: Options): Counts[][] {
  const groups = o.perImage ? d.N : 1;
  const out = Array.from({ length: groups }, () => Array.from({ length: d.C }, () => ({ I: 0, P: 0, T: 0 })));
  for (let b = 0; b < d.N; b++)
    for (let c = 0; c < d.C; c++)
      for (let s = 0; s < d.S; s++) {
        const v = validAt(d, o, b, s);
        const p = probability(d, o, b, c, s) * v;
        const t = targetValue(d, o, b, c, s, true) * v;
        const k = out[o.perImage ? b : 0]![c]!;
        k.I += p * t;
        k.P += p;
        k.T += t;
      }
  return out;
}

function overlap(d: Data, o: Options, perClass: (k: Counts, smooth: number, eps: number) => number): number {
  const smooth = o.smooth ?? 1e-5;
  const eps = o.eps ?? 1e-7;
  const values: number[] = [];
  const weights: number[] = [];
  for (const group of overlapCounts(d, o))
    group.forEach((k, c) => {
      values.push(perClass(k, smooth, eps));
      weights.push(classWeight(o, c));
    });
  return reduceList(values, weights, o.reduction);
}

const diceScore = (k: Counts, smooth: number, eps: number) => (2 * k.I + smooth) / Math.max(k.P + k.T + smooth, eps);
const tverskyIndex = (o: Options) => (k: Counts, smooth: number, eps: number) =>
  (k.I + smooth) / Math.max(k.I + (o.alpha ?? 0.5) * (k.P - k.I) + (o.beta ?? 0.5) * (k.T - k.I) + smooth, eps);

function generalizedDice(d: Data, o: Options): number {
  const smooth = o.smooth ?? 1e-5;
  const eps = o.eps ?? 1e-7;
  const values = overlapCounts(d, o).map((group) => {
    let numerator = 0;
    let denominator = 0;
    group.forEach((k, c) => {
      const w = k.T > 0 ? classWeight(o, c) / Math.max(k.T, eps) ** 2 : 0;
      numerator += 2 * w * k.I;
      denominator += w * (k.P + k.T);
    });
    return 1 - (numerator + smooth) / Math.max(denominator + smooth, eps);
  });
  return reduceList(values, values.map(() => 1), o.reduction);
}

/** The reference value of catalogue entry `name` with options `o` on data `d`. */
export const REFERENCE: Record<string, (d: Data, o: Options) => number> = {
  l1: (d, o) => pointwise(d, o, Math.abs),
  l2: (d, o) => pointwise(d, o, (x) => x * x),
  huber: (d, o) => {
    const delta = o.delta ?? 1;
    return pointwise(d, o, (x) => (Math.abs(x) <= delta ? 0.5 * x * x : delta * (Math.abs(x) - 0.5 * delta)));
  },
  logCosh: (d, o) => pointwise(d, o, (x) => Math.log(Math.cosh(x))),
  binaryCrossEntropy: bce,
  categoricalCrossEntropy: categorical,
  sparseCategoricalCrossEntropy: (d, o) => categorical(d, { ...o, sparse: true }),
  focal,
  dice: (d, o) => overlap(d, o, (k, s, e) => 1 - diceScore(k, s, e)),
  jaccard: (d, o) => overlap(d, o, (k, s, e) => 1 - (k.I + s) / Math.max(k.P + k.T - k.I + s, e)),
  tversky: (d, o) => overlap(d, o, (k, s, e) => 1 - tverskyIndex(o)(k, s, e)),
  focalTversky: (d, o) => overlap(d, o, (k, s, e) => (1 - tverskyIndex(o)(k, s, e)) ** (o.gamma ?? 0.75)),
  generalizedDice,
  logCoshDice: (d, o) => overlap(d, o, (k, s, e) => Math.log(Math.cosh(1 - diceScore(k, s, e)))),
};
