// The losses the browser session test runs in Chromium (onnxruntime-web) and checks in Node
// against core's evaluate and onnxruntime-node: built by name on both sides, so both compile
// the same graph.
import { type Loss, catalogueCases, paperExperiments } from '@losskit/core';

export const CLASSES = 3;
/** Small tensors: N=2, C=3, 4x4 pixels. */
export const SIZES = { batch: 2, class: CLASSES, spatial: [4, 4] };
/** Runs per session; the second starts from the state the first left (EMA experiments). */
export const RUNS = 2;

const catalogueLoss = (name: string): Loss => {
  const found = catalogueCases(CLASSES).find((c) => c.name === name);
  if (found === undefined) throw new Error(`no catalogue case '${name}'`);
  return found.loss;
};
const experiment = (id: number, ema: 'stateful' | 'literal' = 'literal'): Loss =>
  paperExperiments.find((e) => e.id === id)!.build({ numClasses: CLASSES, reading: 'batch', ema });

/** name -> loss: catalogue entries (one-hot, sparse, overlap, MCC) and paper experiments (12 with EMA state). */
export const SESSION_CASES: Readonly<Record<string, () => Loss>> = {
  'categoricalCrossEntropy': () => catalogueLoss('categoricalCrossEntropy'),
  'focal{"gamma":1.5,"sparse":true,"numClasses":3}': () => catalogueLoss('focal{"gamma":1.5,"sparse":true,"numClasses":3}'),
  'dice': () => catalogueLoss('dice'),
  'tversky{"alpha":0.3,"beta":0.7}': () => catalogueLoss('tversky{"alpha":0.3,"beta":0.7}'),
  'mcc{"mode":"multilabel"}': () => catalogueLoss('mcc{"mode":"multilabel"}'),
  'experiment 1': () => experiment(1),
  'experiment 7': () => experiment(7),
  'experiment 12 (stateful EMA)': () => experiment(12, 'stateful'),
  'experiment 22': () => experiment(22),
  'experiment 27': () => experiment(27),
};

/** A tensor as it crosses into the page (JSON). */
export interface PlainTensor {
  readonly shape: number[];
  readonly data: number[];
}

/** One run as the page reports it. */
export interface PlainRun {
  readonly value: number;
  readonly gradients: Record<string, number[]>;
  readonly nextState: Record<string, number[]>;
}

/** One session as the page reports it, or the error it failed with. */
export type SessionReport =
  | { readonly name: string; readonly runtime: string; readonly provider: string; readonly providerLog: readonly string[]; readonly runs: PlainRun[] }
  | { readonly name: string; readonly error: string };
