import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, openSync, readFileSync, readdirSync, statfsSync, writeSync } from 'node:fs';
import { expect } from 'vitest';
import { parseResultsText } from '../src/results/read-results.js';
import { type ResultRow, rowKey } from '../src/run/run-spec.js';

/** Helpers of the fault suite: real processes, real file systems, no mocks. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** The pids whose parent is `pid` and whose command line contains `marker` (from /proc). */
export function childPids(pid: number, marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** The bytes of a file, or an empty buffer when it does not exist. */
export function bytesOf(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Checks a results file byte by byte: no NUL byte, every line up to the last newline is blank or
 * one whole JSON row, no row key twice, and any text after the last newline (a row being written
 * when the writer was killed) is a prefix of a row, never two rows run together. Returns the rows.
 */
export function expectIntact(path: string, context = ''): ResultRow[] {
  const text = bytesOf(path).toString('utf8');
  expect(text.includes('\0'), `${context}: NUL bytes in ${path}`).toBe(false);
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    if (line.trim() !== '') expect(() => JSON.parse(line), `${context}: a line of ${path} is not one JSON row: ${line}`).not.toThrow();
  }
  const tail = text.slice(complete.length);
  expect(tail.includes('}{') || tail.includes('"{'), `${context}: torn tail of ${path} runs two rows together: ${tail}`).toBe(false);
  const { rows } = parseResultsText(text, path);
  const keys = rows.map(rowKey);
  expect(new Set(keys).size, `${context}: a row twice in ${path}`).toBe(keys.length);
  return rows;
}

/** A row without its timings: what must agree between two runs of the same thing. */
const scores = ({ trainSeconds, trainImagesPerSecond, ...rest }: ResultRow) => rest;
export const byKey = (rows: readonly ResultRow[]) => new Map(rows.map((r) => [rowKey(r), scores(r)]));

/** The CLI's error line (`seg-bench: <message>`, a string it starts with, or a pattern), and no stack trace. */
export function expectOneLineError(stderr: string, message: string | RegExp): void {
  if (typeof message === 'string') expect(stderr).toContain(`seg-bench: ${message}`);
  else expect(stderr).toMatch(new RegExp(`^seg-bench: ${message.source}`, 'm'));
  expect(stderr, 'a Node stack trace in the error output').not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/Uncaught|node:internal/);
}

/** A small tmpfs of its own at `dir`: real ENOSPC, short writes, EROFS. */
export const tmpfs = {
  mount(dir: string, bytes: number): void {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `the disk-fault tests need root: they mount a small tmpfs of their own (mount -t tmpfs -o size=${bytes} tmpfs ${dir}), ` +
          `and that failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}. Run the seg-bench tests as root ` +
          '(CI does), or in a container with CAP_SYS_ADMIN',
      );
    }
  },
  remount(dir: string, mode: 'ro' | 'rw'): void {
    execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
  },
  unmount(dir: string): void {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // still busy (a process of a failed test): detach it now, it goes when the last user does
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
  },
  /** The file system's block size: tmpfs hands out space a page at a time. */
  blockSize: (dir: string): number => statfsSync(dir).bsize,
  /**
   * Fills the file system with `file` until ENOSPC, then frees `leaveBlocks` blocks again; returns
   * the function that deletes the filler's contents (space back).
   */
  fill(file: string, leaveBlocks: number): () => void {
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(statfsSync(file).bsize, 0x2e);
    try {
      for (;;) if (writeSync(fd, block) < block.length) break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
    ftruncateSync(fd, Math.max(0, Math.floor(fstatSync(fd).size / block.length) - leaveBlocks) * block.length);
    return () => {
      ftruncateSync(fd, 0);
      closeSync(fd);
    };
  },
};
