import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeRow } from '../../test/rows.js';
import { identityOf } from '../run/run-spec.js';
import { parseResultsText } from './read-results.js';
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

  it('refuses to mix rows made with other settings, naming the option', () => {
    const path = join(dir, 'r.jsonl');
    const file = new ResultsFile(path);
    file.append(fakeRow({ imageSize: 32 }));
    const row = fakeRow();
    const identity = identityOf({
      experiment: row.experiment,
      loss: { kind: 'paper', id: 1 },
      lossSource: row.lossSource,
      model: 'unet',
      seed: 1,
      settings: { ...row, skipBad: false, threads: 1 },
    });
    expect(() => file.checkCompatible(identity)).toThrow('--image-size 32 there');
    file.close();
    const other = join(dir, 'other.jsonl');
    const second = new ResultsFile(other);
    second.append(fakeRow());
    expect(() => second.checkCompatible(identity)).not.toThrow();
    expect(() => second.checkCompatible({ ...identity, backend: 'tfjs' })).not.toThrow();
    // every setting of the run identity is checked, each named by its option
    for (const [field, value, flag] of [
      ['learningRate', 0.3, '--lr 0.003 there'],
      ['ema', 'stateful', '--ema "literal" there'],
      ['width', 8, '--width 4 there'],
      ['depth', 3, '--depth 2 there'],
      ['dataSeed', 7, '--data-seed 0 there'],
      ['trainImages', 16, '--train-images (training images read) 8 there'],
      ['valImages', 16, '--val-images (validation images read) 4 there'],
      ['epochs', 3, '--epochs 1 there'],
      ['batchSize', 8, '--batch 4 there'],
      ['lossSource', 'formula:CE + L1', 'the loss (--loss / --loss-module) "paper:1" there'],
    ] as const) {
      expect(() => second.checkCompatible({ ...identity, [field]: value }), field).toThrow(flag);
    }
    // the loss is compared per experiment: another experiment may have another loss
    expect(() => second.checkCompatible({ ...identity, experiment: 'custom:1', lossSource: 'formula:CE' })).not.toThrow();
    second.close();
  });

  it('holds an exclusive lock: a second writer stops naming the holder; the lock goes with close', () => {
    const path = join(dir, 'r.jsonl');
    const first = new ResultsFile(path);
    expect(() => new ResultsFile(path)).toThrow(`${path} is in use by another seg-bench (host ${hostname()}, pid ${process.pid}`);
    first.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    new ResultsFile(path).close();
  });

  it('takes over the stale lock of a process that is gone', () => {
    const path = join(dir, 'r.jsonl');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid, since: 'earlier' }));
    const file = new ResultsFile(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    file.close();
    // a lock of another host cannot be checked: it is never taken over
    writeFileSync(`${path}.lock`, JSON.stringify({ host: 'elsewhere.example', pid, since: 'earlier' }));
    expect(() => new ResultsFile(path)).toThrow(`(host elsewhere.example, pid ${pid}`);
  });

  it('takes over a lock left half-written, or half taken over, by a process killed at that moment', () => {
    const path = join(dir, 'r.jsonl');
    const past = new Date(Date.now() - 5000);
    // killed between creating the lock file and writing its holder into it
    writeFileSync(`${path}.lock`, '');
    utimesSync(`${path}.lock`, past, past);
    const file = new ResultsFile(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    file.close();
    // killed while taking over a stale lock: the stale lock and the take-over guard are both left
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid: dead, since: 'earlier' }));
    writeFileSync(`${path}.lock.takeover`, JSON.stringify({ host: hostname(), pid: dead, since: 'earlier' }));
    utimesSync(`${path}.lock.takeover`, past, past);
    new ResultsFile(path).close();
    expect(existsSync(`${path}.lock.takeover`)).toBe(false);
    // a lock being written right now (its time set ahead, so it never looks stale here) is waited
    // for while another process writes it, then its holder is named
    writeFileSync(`${path}.lock`, '');
    const ahead = new Date(Date.now() + 60_000);
    utimesSync(`${path}.lock`, ahead, ahead);
    const holder = JSON.stringify({ host: hostname(), pid: process.pid, since: 'now' });
    spawn(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(`${path}.lock`)}, ${JSON.stringify(holder)})`]);
    expect(() => new ResultsFile(path)).toThrow(`pid ${process.pid}, since now`);
  });

  it('refuses appends after close', () => {
    const path = join(dir, 'r.jsonl');
    const file = new ResultsFile(path);
    file.close();
    expect(() => file.append(fakeRow())).toThrow(`${path}: the results file is closed`);
  });

  it('stops with one line on a results path that is a directory', () => {
    const path = join(dir, 'adir');
    mkdirSync(path);
    expect(() => new ResultsFile(path)).toThrow(`${path}: cannot open the results file: it is a directory (EISDIR)`);
  });
});

describe('the shared results reader (seg-bench and loss-lab)', () => {
  const row = JSON.stringify(fakeRow());
  it('skips a byte order mark and counts its bytes', () => {
    const parsed = parseResultsText(`\uFEFF${row}\n`, 'r.jsonl');
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.completeBytes).toBe(Buffer.byteLength(`\uFEFF${row}\n`));
  });
  it('ignores a torn last line (no newline) and reports it', () => {
    const parsed = parseResultsText(`${row}\n${row.slice(0, 30)}`, 'r.jsonl');
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.tornTail).toBe(row.slice(0, 30));
    // even a tail that parses: the writer appends the newline in the same write
    expect(parseResultsText(`${row}\n${row}`, 'r.jsonl').rows).toHaveLength(1);
  });
  it.each([
    ['null', 'not a results row: expected a JSON object, found null'],
    ['123', 'not a results row: expected a JSON object, found number 123'],
    ['[]', 'not a results row: expected a JSON object, found an array'],
    ['{}', "not a results row: field 'experiment' is missing"],
    ['"row"', 'not a results row: expected a JSON object, found string "row"'],
    ['{"experiment":"1","model":"unet","dataset":"synthetic","backend":"onnx","seed":"1","epoch":1}', "field 'seed' is string \"1\"; expected a whole number >= 0"],
  ])('refuses the line %s, naming file and line', (line, message) => {
    expect(() => parseResultsText(`${row}\n${line}\n`, 'r.jsonl')).toThrow(`r.jsonl:2: ${message}`);
  });
});
