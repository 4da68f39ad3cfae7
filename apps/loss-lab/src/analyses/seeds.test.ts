import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResults, seedAnalysis, summarizeSeeds, table2Counterparts } from './seeds.js';

/** A minimal results line: the row identity and one metric. */
const line = (experiment: string, seed: number) =>
  JSON.stringify({ experiment, model: 'unet', dataset: 'synthetic', backend: 'onnx', seed, epoch: 1, loss: 0.5 });

const FIXTURE = join(import.meta.dirname, '..', '..', 'test', '__fixtures__', 'results.jsonl');
/** A real seg-bench run: 27 experiments x seeds 1, 250 x 3 epochs (README, Tests). */
const BENCH_27 = join(import.meta.dirname, '..', '..', 'test', '__fixtures__', 'bench-27.jsonl');

describe('seed analysis (Fig. 9)', () => {
  it('takes the last epoch of each run and the mean and sample std over seeds', () => {
    const lines = parseResults(readFileSync(FIXTURE, 'utf8'));
    expect(lines).toHaveLength(18);
    const rows = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { experiment: string; epoch: number; loss: number; macro: { iou: number } });
    const last = rows.filter((r) => r.experiment === 'experiment18' && r.epoch === 2).map((r) => r.macro.iou);
    expect(last).toHaveLength(3);
    const mean = (last[0]! + last[1]! + last[2]!) / 3;
    const std = Math.sqrt(last.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
    const summary = summarizeSeeds(lines).find((s) => s.experiment === 'experiment18' && s.metric === 'macro.iou')!;
    expect(summary.group).toBe('unet · synthetic · tfjs-cpu');
    expect(summary.seeds.sort((a, b) => a - b)).toEqual([1, 250, 500]);
    expect(summary.mean).toBeCloseTo(mean, 14);
    expect(summary.std).toBeCloseTo(std, 14);
    expect(summarizeSeeds(lines).some((s) => s.metric === 'trainSeconds' || s.metric === 'epochs')).toBe(false);
  });

  it('gives no standard deviation for a single seed', () => {
    const [s] = summarizeSeeds(parseResults(`${line('e1', 1)}\n`));
    expect(s).toMatchObject({ experiment: 'e1', metric: 'loss', mean: 0.5, std: null });
  });

  it('says which line is wrong and why', () => {
    expect(() => parseResults(`${line('e1', 1)}\n{"seed":2,"epoch":1}\n`, 'r.jsonl')).toThrow(
      "r.jsonl:2: not a results row: field 'experiment' is missing",
    );
    expect(() => parseResults('{oops\n', 'r.jsonl')).toThrow('r.jsonl:1: not a JSON results row');
  });

  it('reads files as seg-bench does: a BOM skipped, a torn last line ignored, non-rows refused', () => {
    expect(parseResults(`\uFEFF${line('e1', 1)}\n${line('e1', 2)}\n`, 'r.jsonl')).toHaveLength(2);
    expect(parseResults(`${line('e1', 1)}\n${line('e1', 2).slice(0, 25)}`, 'r.jsonl')).toHaveLength(1);
    for (const bad of ['null', '123', '[]', '{}']) {
      expect(() => parseResults(`${line('e1', 1)}\n${bad}\n`, 'r.jsonl'), bad).toThrow('r.jsonl:2: not a results row');
    }
  });

  it('shows a "no results file given" panel, and no figure, without a results file', () => {
    const a = seedAnalysis();
    expect(a.figures).toHaveLength(0);
    expect(a.html).toContain('No results file given');
  });

  it('a missing or empty results file is one clear error naming it and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loss-lab-seeds-'));
    try {
      expect(() => seedAnalysis(join(dir, 'none.jsonl'))).toThrow(/none\.jsonl: no such results file; run the benchmark first/);
      expect(() => seedAnalysis(dir)).toThrow(/no such results file/);
      writeFileSync(join(dir, 'empty.jsonl'), '');
      expect(() => seedAnalysis(join(dir, 'empty.jsonl'))).toThrow(/empty\.jsonl: the file holds no results rows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws loss and IoU bars from a results file', () => {
    const a = seedAnalysis(FIXTURE);
    const rows = a.figures[0]!.rows;
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(['loss', 'macro.iou']));
    expect(rows).toHaveLength(3 * 2);
    // the epoch curves: experiment 1's loss at epoch 1 is the mean of its three seeds' first epochs
    const curves = a.figures[1]!.rows;
    const firstEpoch = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { experiment: string; epoch: number; loss: number })
      .filter((r) => r.experiment === 'experiment1' && r.epoch === 1)
      .map((r) => r.loss);
    const point = curves.find((r) => r.experiment === 'experiment1' && r.metric === 'loss' && r.epoch === 1)!;
    expect(point.mean).toBeCloseTo(firstEpoch.reduce((s, v) => s + v, 0) / 3, 14);
    expect(curves).toHaveLength(3 * 2 * 2);
  });

  it("gives a Table-2 counterpart: the paper's seed 250, last epoch, micro averages in its columns", () => {
    const text = readFileSync(BENCH_27, 'utf8');
    const [table] = table2Counterparts(parseResults(text));
    expect(table!.columns).toEqual(['loss function', 'epoch', 'DSC (micro)', 'F1 (micro)', 'IoU (micro)', 'Loss (CE + term)', 'Precision (micro)', 'Recall (micro)']);
    expect(table!.title).toContain('seed 250 as in the paper');
    expect(table!.title).toContain('micro averages');
    expect(table!.rows.map((r) => r[0])).toEqual(Array.from({ length: 27 }, (_, i) => `Experiment${i + 1}`));
    const raw = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { experiment: string; seed: number; epoch: number; loss: number; micro: Record<string, number> })
      .find((r) => r.experiment === '18' && r.seed === 250 && r.epoch === 3)!;
    expect(table!.rows[17]).toEqual(['Experiment18', 3, raw.micro.dice, raw.micro.f1, raw.micro.iou, raw.loss, raw.micro.precision, raw.micro.recall]);
  });

  it('says which seed it took when the file has no seed 250', () => {
    const [table] = table2Counterparts(parseResults(`${line('e1', 7)}\n${line('e1', 3)}\n`));
    expect(table!.title).toContain("seed 3: the file has no seed 250, the paper's");
    expect(table!.rows).toEqual([['e1', 1, null, null, null, 0.5, null, null]]);
  });
});
