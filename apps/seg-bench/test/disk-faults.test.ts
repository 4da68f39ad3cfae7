import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../src/results/results-file.js';
import { TINY, runCli } from './cli.js';
import { byKey, bytesOf, expectIntact, expectOneLineError, tmpfs } from './faults.js';

/**
 * Disk faults on a real file system: a tmpfs of 256 KiB mounted for these tests (as root, as CI
 * runs them), filled to the last block, remounted read-only; EACCES from a process running as
 * root without CAP_DAC_OVERRIDE (root passes every permission check otherwise). 1 loss x 2 seeds x 2 epochs: 4 rows.
 */
const GRID = [...TINY.filter((_, i, all) => all[i - 1] !== '--seeds' && all[i] !== '--seeds'), '--seeds', '1,250'];
const ARGS = [...GRID.map((a) => (a === '1,27' ? '1' : a)), '--epochs', '2', '--workers', '1', '--threads', '1'];
const ENFORCED = { enforcePermissions: true };

const root = mkdtempSync(join(tmpdir(), 'seg-bench-disk-'));
const disk = join(root, 'disk');
let mounted = false;
let whole: string;

beforeAll(async () => {
  mkdirSync(disk);
  tmpfs.mount(disk, 256 * 1024);
  mounted = true;
  whole = join(root, 'whole.jsonl');
  const reference = await runCli([...ARGS, '--out', whole]);
  expect(reference.code, reference.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  if (mounted) tmpfs.unmount(disk);
  rmSync(root, { recursive: true, force: true });
});

describe('disk faults on a real tmpfs', () => {
  it('a short write and a full disk are undone to the last complete row, one line, exit 1; the run resumes once space is back', async () => {
    const out = join(disk, 'short.jsonl');
    const block = tmpfs.blockSize(disk);
    const lines = readFileSync(whole, 'utf8').split('\n');
    const next = Buffer.byteLength(`${lines[1]}\n`);
    // an earlier run left row 1 (seed 1, epoch 1); blank lines (which the reader skips) put its end
    // half a row before a block boundary, so only the first half of the next row fits
    const earlier = `${lines[0]}\n`.padEnd(block - Math.floor(next / 2), '\n');
    writeFileSync(out, earlier);
    // every block taken but one, for the lock file
    const spaceBack = tmpfs.fill(join(disk, 'filler'), 1);
    try {
      const short = await runCli([...ARGS, '--out', out]);
      expect(short.code, short.stderr).toBe(1);
      expectOneLineError(
        short.stderr,
        `${out}: cannot append a row: the disk is full (ENOSPC); free some space; the file was truncated back to its last complete row (1 rows); rerun the same command to resume`,
      );
      // the half row that reached the disk was cut off again: the file is what the earlier run left
      expect(bytesOf(out).equals(Buffer.from(earlier))).toBe(true);
      expect(existsSync(`${out}.lock`)).toBe(false);

      // now the end lies on a block boundary: not one byte of the next row fits (write fails, no short count)
      const aligned = earlier.padEnd(block, '\n');
      writeFileSync(out, aligned);
      const full = await runCli([...ARGS, '--out', out]);
      expect(full.code, full.stderr).toBe(1);
      expectOneLineError(full.stderr, `${out}: cannot append a row: the disk is full (ENOSPC); free some space;`);
      expect(bytesOf(out).equals(Buffer.from(aligned))).toBe(true);
    } finally {
      spaceBack();
    }

    const resumed = await runCli([...ARGS, '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('0 done already'); // run seed 1 has epoch 1 only: it is rerun, its row kept
    const rows = expectIntact(out, 'after the resume');
    expect(rows).toHaveLength(4);
    expect(readFileSync(out, 'utf8').startsWith(earlier)).toBe(true);
    expect(byKey(rows)).toEqual(byKey(readResults(whole).rows));
  }, 150_000);

  it('a full disk before the lock is taken: one line, exit 1', async () => {
    const out = join(disk, 'nothing.jsonl');
    const spaceBack = tmpfs.fill(join(disk, 'filler'), 0);
    try {
      const result = await runCli([...ARGS, '--out', out]);
      expect(result.code, result.stderr).toBe(1);
      expectOneLineError(result.stderr, `${out}.lock: cannot create the lock file: the disk is full (ENOSPC); free some space`);
      expect(existsSync(`${out}.lock`)).toBe(false);
    } finally {
      spaceBack();
    }
  }, 60_000);

  it('a read-only file system (EROFS): one line naming the path, exit 1', async () => {
    const out = join(disk, 'ro', 'r.jsonl');
    mkdirSync(join(disk, 'ro'));
    tmpfs.remount(disk, 'ro');
    try {
      const result = await runCli([...ARGS, '--out', out]);
      expect(result.code, result.stderr).toBe(1);
      expectOneLineError(result.stderr, `${out}.lock: cannot create the lock file: the file system is read-only (EROFS); pick another --out`);
    } finally {
      tmpfs.remount(disk, 'rw');
    }
  }, 60_000);

  it('permission denied (EACCES) on the directory or the file: one line, exit 1, no lock left', async () => {
    // a directory no one may write into
    const closed = join(disk, 'closed');
    mkdirSync(closed);
    chmodSync(closed, 0o555);
    const denied = await runCli([...ARGS, '--out', join(closed, 'r.jsonl')], ENFORCED);
    expect(denied.code, denied.stderr).toBe(1);
    expectOneLineError(denied.stderr, `${closed}/r.jsonl.lock: cannot create the lock file: permission denied (EACCES); pick a writable --out or fix the permissions`);

    // a writable directory, a results file no one may write (an earlier run's rows in it)
    const open = join(disk, 'open');
    mkdirSync(open);
    const out = join(open, 'r.jsonl');
    writeFileSync(out, `${readFileSync(whole, 'utf8').split('\n')[0]}\n`);
    chmodSync(out, 0o444);
    const readOnly = await runCli([...ARGS, '--out', out], ENFORCED);
    expect(readOnly.code, readOnly.stderr).toBe(1);
    expectOneLineError(readOnly.stderr, `${out}: cannot open the results file for writing: permission denied (EACCES); pick a writable --out or fix the permissions`);
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 60_000);
});
