import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type InputSpec,
  type Loss,
  type Node,
  classIndices,
  eq,
  leaves,
  makeLoss,
  paperExperiments,
  paperTerms,
  parse,
  softmax,
} from '@losskit/core';
import type { LossRef } from './run/run-spec.js';

export interface PaperLossOptions {
  readonly numClasses: number;
  /** The paper's EMA term: the printed Step1/Step2 ('literal') or a moving average over steps ('stateful'). */
  readonly ema: 'literal' | 'stateful';
}

/**
 * Names a --loss formula may use. The prediction is `pred` (logits [batch, class, spatial]), the
 * truth is `labels` (class indices, one-hot encoded in the graph); `target` is that one-hot
 * tensor, `probs` the softmax of pred, and CE, L1, L2 the paper's base terms as scalars (mean
 * cross-entropy, mean |probs - target| and mean (probs - target)^2 over every element: the paper's
 * 'batch' reading, since a formula is one number per batch). Coefficients are numbers.
 */
function formulaNames(numClasses: number): Record<string, Node> {
  const terms = paperTerms(numClasses, { reading: 'batch' });
  const pred = leaves([terms.L1], 'input').get('pred')!;
  const labels = leaves([terms.L1], 'input').get('labels')!;
  return {
    pred,
    labels,
    // one-hot in the graph, the same node paperTerms builds (nodes are interned)
    target: eq(labels, classIndices(numClasses)),
    probs: softmax(pred),
    CE: terms.crossEntropy,
    L1: terms.L1,
    L2: terms.L2,
  };
}

export function formulaLoss(text: string, numClasses: number): Loss {
  const expr = parse(text, { names: formulaNames(numClasses) });
  if (expr.roles.length !== 0) {
    throw new Error(`--loss "${text}" is not a scalar (it spans ${expr.roles.join(', ')}): reduce it with mean(...) or sum(...)`);
  }
  const specs = paperTerms(numClasses).inputs;
  const inputs: Record<string, InputSpec> = {};
  for (const name of leaves([expr], 'input').keys()) inputs[name] = specs[name]!;
  if (!inputs.pred) throw new Error(`--loss "${text}" does not depend on the prediction: use pred, probs, CE, L1 or L2`);
  return makeLoss(`formula: ${text}`, expr, inputs);
}

/** A loss module exports `loss` (or default): a Loss, or a function (numClasses) => Loss. */
async function moduleLoss(path: string, numClasses: number): Promise<Loss> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--loss-module ${path}: cannot import (${(error as Error).message})`);
  }
  const exported = module.loss ?? module.default;
  const loss = typeof exported === 'function' ? (exported as (n: number) => unknown)(numClasses) : exported;
  if (!loss || typeof loss !== 'object' || !('expr' in loss) || !('inputs' in loss)) {
    throw new Error(
      `--loss-module ${path}: export 'loss' (or a default export) as a @losskit/core Loss or a function (numClasses) => Loss`,
    );
  }
  return loss as Loss;
}

export function paperLoss(id: number, options: PaperLossOptions): Loss {
  const experiment = paperExperiments.find((e) => e.id === id);
  if (!experiment) throw new Error(`no paper experiment ${id}: the paper has experiments 1..${paperExperiments.length}`);
  return experiment.build({ numClasses: options.numClasses, ema: options.ema });
}

export async function buildLoss(ref: LossRef, options: PaperLossOptions): Promise<Loss> {
  switch (ref.kind) {
    case 'paper':
      return paperLoss(ref.id, options);
    case 'formula':
      return formulaLoss(ref.text, options.numClasses);
    case 'module':
      return moduleLoss(ref.path, options.numClasses);
  }
}

/**
 * What a loss is, for the run identity: the paper experiment's number, the formula's text, or a
 * digest of the module file's bytes (the path may differ between machines, the content may not).
 */
export function lossSourceOf(ref: LossRef): string {
  switch (ref.kind) {
    case 'paper':
      return `paper:${ref.id}`;
    case 'formula':
      return `formula:${ref.text}`;
    case 'module': {
      let bytes: Buffer;
      try {
        bytes = readFileSync(resolve(ref.path));
      } catch (error) {
        throw new Error(`--loss-module ${ref.path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      return `module:sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
    }
  }
}
