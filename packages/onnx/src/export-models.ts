import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Loss, catalogueCases, leaves, paperExperiments } from '@losskit/core';
import { type OnnxLoss, type ToOnnxOptions, toOnnx } from './to-onnx.js';

export interface ExportedModel {
  /** Path relative to the output directory. */
  readonly file: string;
  readonly name: string;
  readonly nodeCount: number;
  readonly formula: string;
  readonly inputs: OnnxLoss['inputs'];
  readonly outputs: OnnxLoss['outputs'];
}

/** A file-system-safe slug of a catalogue case name: `dice{"perImage":true}` -> `dice-perImage-true`. */
export function slug(name: string): string {
  return name
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/\./g, 'p');
}

/** Every loss the package exports as a file: catalogue cases and the 27 experiments (literal and stateful EMA). */
export function exportableLosses(numClasses = 3): { file: string; loss: Loss }[] {
  const out = catalogueCases(numClasses).map(({ name, loss }) => ({ file: `catalogue/${slug(name)}.onnx`, loss }));
  for (const experiment of paperExperiments)
    for (const ema of ['literal', 'stateful'] as const)
      out.push({
        file: `paper/experiment-${String(experiment.id).padStart(2, '0')}-${ema}.onnx`,
        loss: experiment.build({ ema, numClasses }),
      });
  return out;
}

/**
 * Writes one .onnx file per exportable loss (value, gradient w.r.t. the prediction when there is
 * one, EMA state in/out) and an index.json describing each, into `outDir`.
 */
export async function exportModels(
  outDir: string,
  options: Omit<ToOnnxOptions, 'gradients' | 'name'> & { numClasses?: number } = {},
): Promise<ExportedModel[]> {
  const { numClasses, ...compile } = options;
  const exported: ExportedModel[] = [];
  for (const { file, loss } of exportableLosses(numClasses)) {
    const gradients = leaves([loss.expr], 'input').has('pred') ? ['pred'] : [];
    const model = toOnnx(loss, { ...compile, gradients });
    const path = join(outDir, file);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, model.bytes);
    exported.push({
      file,
      name: model.name,
      nodeCount: model.nodeCount,
      formula: model.formula,
      inputs: model.inputs,
      outputs: model.outputs,
    });
  }
  await writeFile(join(outDir, 'index.json'), `${JSON.stringify(exported, null, 2)}\n`);
  return exported;
}
