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

  it('compares every experiment with Experiment 1 paired by seed, Holm-corrected, in every format', () => {
    const grid = [
      ...[0.5, 0.6, 0.55, 0.62].map((iou, i) => fakeRow({ experiment: '1', seed: i + 1, iou })),
      ...[0.52, 0.63, 0.56, 0.66].map((iou, i) => fakeRow({ experiment: '2', seed: i + 1, iou })),
      ...[0.5, 0.6, 0.55].map((iou, i) => fakeRow({ experiment: '3', seed: i + 1, iou })),
    ];
    const summary = summarize(grid);
    expect(summary[0]!.vsBaseline).toBeNull();
    const two = summary[1]!.vsBaseline!;
    expect(two.n).toBe(4);
    expect(two.meanDiff).toBeCloseTo(0.025, 12); // (0.02 + 0.03 + 0.01 + 0.04) / 4
    expect(two.ci95![0]).toBeLessThan(two.meanDiff);
    expect(two.pT).toBeGreaterThan(0);
    const three = summary[2]!.vsBaseline!;
    expect(three).toMatchObject({ n: 3, meanDiff: 0, pT: null, pHolm: null });
    expect(two.pHolm).toBe(two.pT); // the only testable comparison in its family
    const markdown = toMarkdown(summary);
    expect(markdown).toContain('against Experiment1 (CE): macro IoU, paired by seed');
    expect(markdown).toMatch(/\| Experiment2 \| 4 \| \+0\.025 \| \[\+0\.\d{3}, \+0\.\d{3}\] \| 0\.\d{3} \|/);
    expect(markdown).toContain('cannot go below p = 0.13');
    expect(markdown).toContain('over the 1 testable comparisons');
    const csv = toCsv(summary).trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header).toContain('vs_baseline_p_holm');
    expect(Number(csv[2]!.split(',')[header.indexOf('vs_baseline_iou_diff')])).toBeCloseTo(0.025, 12);
    expect(csv[1]!.split(',')[header.indexOf('vs_baseline_iou_diff')]).toBe('');
    expect(JSON.parse(toJson(summary))[1].vsBaseline.n).toBe(4);
  });
});
