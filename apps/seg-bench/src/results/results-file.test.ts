import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRow } from '../../test/rows.js';
import { ResultsFile, readResults } from './results-file.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'results-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('results file', () => {
  it('appends one JSON line per row and never writes a key twice', () => {
    const path = join(dir, 'sub', 'r.jsonl');
    const file = new ResultsFile(path);
    expect(file.append(fakeRow({ seed: 1 }))).toBe(true);
    expect(file.append(fakeRow({ seed: 2 }))).toBe(true);
    expect(file.append(fakeRow({ seed: 1, iou: 0.9 }))).toBe(false);
    file.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).seed)).toEqual([1, 2]);
  });

  it('resumes: earlier rows are kept and known, new ones go after them', () => {
    const path = join(dir, 'r.jsonl');
    const first = new ResultsFile(path);
    first.append(fakeRow({ seed: 1 }));
    first.close();
    const second = new ResultsFile(path);
    expect(second.rows).toHaveLength(1);
    expect(second.append(fakeRow({ seed: 1 }))).toBe(false);
    second.append(fakeRow({ seed: 2 }));
    second.close();
    expect(readResults(path).rows.map((r) => r.seed)).toEqual([1, 2]);
  });

  it('drops a half-written last line (a killed writer) and continues on a fresh line', () => {
    const path = join(dir, 'r.jsonl');
    writeFileSync(path, `${JSON.stringify(fakeRow({ seed: 1 }))}\n`);
    appendFileSync(path, JSON.stringify(fakeRow({ seed: 2 })).slice(0, 40));
    const file = new ResultsFile(path);
    expect(file.rows.map((r) => r.seed)).toEqual([1]);
    file.append(fakeRow({ seed: 3 }));
    file.close();
    expect(readResults(path).rows.map((r) => r.seed)).toEqual([1, 3]);
  });

  it('names the line of a damaged row in the middle', () => {
    const path = join(dir, 'r.jsonl');
    writeFileSync(path, `${JSON.stringify(fakeRow())}\n{oops\n${JSON.stringify(fakeRow({ seed: 2 }))}\n`);
    expect(() => readResults(path)).toThrow(`${path}:2: not a JSON results row`);
  });

  it('refuses to mix rows made with other settings', () => {
    const path = join(dir, 'r.jsonl');
    const file = new ResultsFile(path);
    file.append(fakeRow({ imageSize: 16 }));
    expect(() => file.checkCompatible({ dataset: 'synthetic', backend: 'onnx', epochs: 1, imageSize: 32, batchSize: 4 })).toThrow(
      'imageSize 16 there, 32 now',
    );
    expect(() => file.checkCompatible({ dataset: 'synthetic', backend: 'tfjs', epochs: 1, imageSize: 32, batchSize: 4 })).not.toThrow();
    file.close();
  });
});
