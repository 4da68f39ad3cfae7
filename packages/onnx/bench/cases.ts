import { type Loss, catalogue, paperExperiments, seededRandom, weightedSum } from '@losskit/core';
import { type BenchData, fusedDiceCe, fusedHybrid } from './fused-js.js';
import { type HandStyle, handBuiltDiceCe, handBuiltHybrid } from './hand-built.js';
import { HYBRID_TERMS } from './scalar-terms.js';

/** One benchmarked loss: the core Loss, its hand-written JS loop and its hand-built ONNX graph. */
export interface BenchCase {
  readonly label: string;
  readonly loss: Loss;
  /** 'labels' (integer class per pixel) or 'target' (one-hot). */
  readonly targetInput: 'labels' | 'target';
  /** value + d/dpred by hand in JS; writes grad, returns the loss. */
  fused(data: BenchData, grad: Float32Array, scratch: { p: Float32Array; sums: Float64Array }, params: Record<string, number>): number;
  handBuilt(style?: HandStyle): Uint8Array;
}

export const BENCH_EXPERIMENTS = [1, 7, 12, 22, 27] as const;

export function benchCases(C: number): BenchCase[] {
  const cases: BenchCase[] = BENCH_EXPERIMENTS.map((id) => {
    const experiment = paperExperiments.find((e) => e.id === id)!;
    return {
      label: `experiment ${id}`,
      loss: experiment.build({ numClasses: C, reading: 'batch' }),
      targetInput: 'labels',
      fused: (data, grad, scratch, params) => fusedHybrid(HYBRID_TERMS[id]!, data, params.A ?? 0, params.B ?? 0, grad, scratch.p),
      handBuilt: (style) => handBuiltHybrid(id, C, style),
    };
  });
  cases.push({
    label: 'Dice+CE',
    loss: weightedSum('diceCe', [{ loss: catalogue.categoricalCrossEntropy() }, { loss: catalogue.dice() }]),
    targetInput: 'target',
    fused: (data, grad, scratch) => fusedDiceCe(data, grad, scratch.p, scratch.sums),
    handBuilt: (style) => handBuiltDiceCe(C, style),
  });
  return cases;
}

/** Logits in [-3, 3), labels in [0, C) and the matching one-hot target, from a fixed seed. */
export function benchData(N: number, C: number, HW: number, seed = 1): BenchData {
  const random = seededRandom(seed);
  const pred = new Float32Array(N * C * HW);
  for (let i = 0; i < pred.length; i++) pred[i] = -3 + 6 * random();
  const labels = new Float32Array(N * HW);
  const target = new Float32Array(N * C * HW);
  for (let b = 0; b < N; b++)
    for (let s = 0; s < HW; s++) {
      const label = Math.min(C - 1, Math.floor(random() * C));
      labels[b * HW + s] = label;
      target[(b * C + label) * HW + s] = 1;
    }
  return { N, C, HW, pred, labels, target };
}
