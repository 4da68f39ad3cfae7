import { describe, expect, it } from 'vitest';
import { fakeRow } from '../test/rows.js';
import { epochCurves, summarize, toCsv, toJson, toMarkdown } from './summary.js';

const rows = [
  fakeRow({ experiment: '2', seed: 1, iou: 0.4, loss: 1 }),
  fakeRow({ experiment: '2', seed: 2, iou: 0.6, loss: 3 }),
  fakeRow({ experiment: '10', seed: 1, iou: 0.5 }),
  fakeRow({ experiment: 'custom:1', lossName: 'formula: CE', seed: 1, iou: 0.7 }),
];

describe('summary', () => {
  it('gives mean and sample std over seeds per experiment, in experiment order', () => {
    const summary = summarize(rows);
    expect(summary.map((s) => s.experiment)).toEqual(['2', '10', 'custom:1']);
    expect(summary[0]!.seeds).toEqual([1, 2]);
    expect(summary[0]!.macro.iou!.mean).toBeCloseTo(0.5, 12);
    expect(summary[0]!.macro.iou!.std).toBeCloseTo(Math.sqrt(0.02), 12); // (0.1^2 + 0.1^2) / (2 - 1)
    expect(summary[0]!.macro.loss).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
    expect(summary[1]!.macro.iou).toEqual({ mean: 0.5, std: 0, n: 1 });
  });

  it('uses each run\'s last epoch unless an epoch is named', () => {
    const curve = [fakeRow({ epoch: 1, epochs: 2, iou: 0.1 }), fakeRow({ epoch: 2, epochs: 2, iou: 0.3 })];
    expect(summarize(curve)[0]!.macro.iou!.mean).toBe(0.3);
    expect(summarize(curve, { epoch: 1 })[0]!.macro.iou!.mean).toBe(0.1);
    expect(epochCurves(curve)).toContain('| Experiment1 | 1.000 / 0.100 | 1.000 / 0.300 |');
  });

  it('renders the Table 2 columns as Markdown, CSV and JSON', () => {
    const summary = summarize(rows);
    const markdown = toMarkdown(summary);
    expect(markdown).toContain('| Loss function | DSC | F1 | IoU | Loss | Precision | Recall |');
    expect(markdown).toContain('| Experiment2 | 0.600 ± 0.141 | 0.600 ± 0.141 | 0.500 ± 0.141 | 2.000 ± 1.414 | 0.700 ± 0.141 | 0.650 ± 0.141 |');
    expect(markdown).toContain('| formula: CE |');
    expect(markdown).toContain('### unet · synthetic · onnx · micro');
    const csv = toCsv(summary).trim().split('\n');
    expect(csv[0]!.split(',').slice(0, 9)).toEqual(['experiment', 'loss_name', 'model', 'dataset', 'backend', 'epoch', 'seeds', 'macro_dsc_mean', 'macro_dsc_std']);
    expect(csv[1]!.startsWith('2,paper.experiment1,unet,synthetic,onnx,1,1 2,0.6')).toBe(true);
    expect(JSON.parse(toJson(summary))[2].lossName).toBe('formula: CE');
  });

  it('shows bare values, no ± column, for a single seed', () => {
    const markdown = toMarkdown(summarize([fakeRow({ seed: 7, iou: 0.25 })]));
    expect(markdown).toContain('### unet · synthetic · onnx · macro (seed 7)');
    expect(markdown).toContain('| Experiment1 | 0.350 | 0.350 | 0.250 | 1.000 | 0.450 | 0.400 |');
    expect(markdown).not.toContain('±');
  });
});
