import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../src/results/results-file.js';
import { TINY, finished, runCli, startCli } from './cli.js';
import { bytesOf, expectIntact, expectOneLineError, waitFor } from './faults.js';

const dir = mkdtempSync(join(tmpdir(), 'seg-bench-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 1 loss x 2 seeds x 2 epochs (4 rows), one worker each. */
const ARGS = [...TINY.map((a) => (a === '1,27' ? '1' : a)), '--epochs', '2', '--workers', '1', '--threads', '1'];

describe('two seg-bench processes on one --out', () => {
  it('the second stops naming the holder (host, pid); the file stays whole and a resume completes it', async () => {
    const out = join(dir, 'shared.jsonl');
    const a = startCli([...ARGS, '--out', out]);
    const b = startCli([...ARGS, '--out', out]);
    const results = [finished(a), finished(b)];
    // whichever takes the lock first is the holder; the other one stops before it writes anything
    const loser = await Promise.race(results.map((p, i) => p.then((r) => ({ ...r, index: i }))));
    const holder = [a, b][1 - loser.index]!;
    expect(loser.code, loser.stderr).toBe(1);
    expectOneLineError(loser.stderr, `${out} is in use by another seg-bench (host ${hostname()}, pid ${holder.pid}, since `);
    // the holder writes its first row, then is killed mid-run
    await waitFor('the first row', () => bytesOf(out).includes('\n'), 110_000);
    holder.kill('SIGKILL');
    expect((await results[1 - loser.index]!).signal).toBe('SIGKILL');
    const partial = expectIntact(out, 'after the holder was killed');
    expect(partial.length).toBeGreaterThan(0);

    const resumed = await runCli([...ARGS, '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const rows = expectIntact(out, 'after the resume');
    expect(rows).toHaveLength(4);
    expect(readResults(out).rows.slice(0, partial.length)).toEqual(partial);
  }, 180_000);
});
