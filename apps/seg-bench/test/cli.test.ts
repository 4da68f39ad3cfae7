import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../src/results/results-file.js';
import { type ResultRow, rowKey } from '../src/run/run-spec.js';
import { TINY, finished, runCli, startCli } from './cli.js';
import { writeVocFixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'seg-bench-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A row without its timings: what must agree between two runs of the same thing. */
const scores = ({ trainSeconds, trainImagesPerSecond, ...rest }: ResultRow) => rest;
const byKey = (rows: readonly ResultRow[]) => new Map(rows.map((r) => [rowKey(r), scores(r)]));

function checkRows(rows: readonly ResultRow[], backend: string, count: number): void {
  expect(rows).toHaveLength(count);
  expect(new Set(rows.map(rowKey)).size).toBe(count);
  for (const row of rows) {
    expect(row.backend).toBe(backend);
    expect(Number.isFinite(row.loss)).toBe(true);
    for (const value of [row.macro.dice, row.macro.iou, row.micro.iou, row.macro.precision, row.macro.recall, row.pixelAccuracy]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  }
}

describe('seg-bench end to end (tiny: 2 experiments x 2 seeds x 1 epoch, 16x16)', () => {
  it.each(['onnx', 'tfjs'])('%s backend: trains, writes one row per run and epoch, prints Table 2', async (backend) => {
    const out = join(dir, `tiny-${backend}.jsonl`);
    const result = await runCli([...TINY, '--epochs', '1', '--backend', backend, '--out', out]);
    expect(result.stderr).toContain('4 runs (2 losses x 1 model(s) x 2 seeds)');
    expect(result.code).toBe(0);
    checkRows(readResults(out).rows, backend, 4);
    expect(result.stdout).toContain(`### unet · synthetic · ${backend} · macro (mean ± std over seeds 1, 250)`);
    expect(result.stdout).toMatch(/\| Experiment1 \| \d\.\d{3} ± \d\.\d{3} \|/);
    expect(result.stdout).toMatch(/\| Experiment27 \| \d\.\d{3} ± \d\.\d{3} \|/);
    // the summary subcommand reads the same file back
    const csv = await runCli(['summary', '--out', out, '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split('\n')).toHaveLength(3);
  }, 150_000);

  it('resumes a killed run: the result equals an uninterrupted run row for row, nothing duplicated', async () => {
    const config = [...TINY, '--epochs', '3', '--workers', '1'];
    const whole = join(dir, 'whole.jsonl');
    const killed = join(dir, 'killed.jsonl');
    const uninterrupted = await runCli([...config, '--out', whole]);
    expect(uninterrupted.code).toBe(0);

    const child = startCli([...config, '--out', killed]);
    const done = finished(child);
    // kill the benchmark process once the first epoch row is on disk, while runs are in flight
    while (!(existsSync(killed) && readFileSync(killed, 'utf8').includes('\n'))) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const partial = readResults(killed).rows;
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(12);

    const resumed = await runCli([...config, '--out', killed]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/\d done already/);
    const rows = readResults(killed).rows;
    checkRows(rows, 'onnx', 12);
    expect(byKey(rows)).toEqual(byKey(readResults(whole).rows));
  }, 170_000);

  it('reads a VOC directory; a corrupt file stops the run naming it, or is skipped and counted with --skip-bad', async () => {
    const voc = join(dir, 'VOC2012');
    const images = writeVocFixture(voc, { train: 4, val: 2 }, { width: 16, height: 16 });
    const corrupt = join(voc, 'JPEGImages', `${images[1]!.id}.jpg`);
    writeFileSync(corrupt, 'not a jpeg');
    const args = ['--dataset', 'voc', '--data-dir', voc, '--experiments', '1', '--seeds', '1', '--epochs', '1', '--image-size', '16', '--width', '4', '--batch', '2', '--progress', 'plain'];
    const failed = await runCli([...args, '--out', join(dir, 'voc-a.jsonl')]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`seg-bench: ${corrupt}: not a readable JPEG`);
    const skipped = await runCli([...args, '--skip-bad', '--out', join(dir, 'voc-b.jsonl')]);
    expect(skipped.stderr).toContain('skipped 1 unreadable file(s) (--skip-bad):');
    expect(skipped.stderr).toContain('onnx backend, voc 3/2 images 16x16');
    expect(skipped.code).toBe(0);
    const rows = readResults(join(dir, 'voc-b.jsonl')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dataset: 'voc', trainImages: 3, valImages: 2 });
  }, 90_000);
});
