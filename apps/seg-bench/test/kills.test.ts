import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../src/results/results-file.js';
import type { ResultRow } from '../src/run/run-spec.js';
import { createRandom } from '../src/rng.js';
import { type CliResult, TINY, finished, runCli, startCli } from './cli.js';
import { byKey, bytesOf, childPids, expectIntact, expectOneLineError, sleep, waitFor } from './faults.js';

/**
 * SIGKILL at random moments, of the benchmark process and of a pool worker, each time followed
 * by a rerun of the same command. 2 losses x 2 seeds x 2 epochs: 4 runs, 8 rows.
 */
const ARGS = [...TINY, '--epochs', '2', '--threads', '1'];
const KILLS = 6;
const newlines = (path: string) => bytesOf(path).filter((byte) => byte === 0x0a).length;

const dir = mkdtempSync(join(tmpdir(), 'seg-bench-kills-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let reference: ResultRow[] = [];
/** Time from the start of the uninterrupted run to its first row: start-up, lock, worker start, first epoch. */
let startUp = 0;
/** Mean time between two rows of the uninterrupted run (slower machines, longer gaps). */
let rowGap = 0;
beforeAll(async () => {
  const out = join(dir, 'whole.jsonl');
  const started = Date.now();
  const done = finished(startCli([...ARGS, '--workers', '1', '--out', out]));
  const rowTimes: number[] = [];
  let whole: CliResult | undefined;
  void done.then((result) => {
    whole = result;
  });
  await waitFor('the uninterrupted run', () => {
    if (newlines(out) > rowTimes.length) rowTimes.push(Date.now());
    return whole !== undefined;
  }, 110_000);
  expect(whole!.code, whole!.stderr).toBe(0);
  reference = readResults(out).rows;
  expect(reference).toHaveLength(8);
  startUp = rowTimes[0]! - started;
  rowGap = (rowTimes.at(-1)! - rowTimes[0]!) / (rowTimes.length - 1);
}, 120_000);

describe('SIGKILL and resume', () => {
  it(`the benchmark killed at ${KILLS} random moments, resumed each time: the result equals an uninterrupted run`, async () => {
    // FAULT_SEED=<n> replays a failing sequence of kill moments
    const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    if (!Number.isSafeInteger(seed)) throw new Error(`FAULT_SEED=${process.env.FAULT_SEED}: expected a whole number`);
    // printed up front too, so a run stopped by the test timeout still names its seed
    console.info(`SIGKILL moments: FAULT_SEED=${seed}, start-up ${startUp} ms, row gap ${Math.round(rowGap)} ms`);
    const random = createRandom(seed);
    const expected = byKey(reference);
    const out = join(dir, 'killed.jsonl');
    const log: string[] = [];
    try {
      for (let kill = 1; kill <= KILLS; kill++) {
        // half the moments before the first row (start-up, taking the lock, reading and truncating
        // the file, the worker starting, training), half within two row gaps after a row of this
        // attempt reached the disk (the next append, or the exit after the last one); so each kill
        // lets at most a few rows through and the file is still incomplete at most kills
        const afterRow = random.next() < 0.5;
        const delay = Math.round(random.uniform(0, afterRow ? 2 * rowGap : startUp));
        const rowsBefore = newlines(out);
        const child = startCli([...ARGS, '--workers', '1', '--out', out]);
        const done = finished(child);
        let exited: CliResult | undefined;
        void done.then((result) => {
          exited = result;
        });
        if (afterRow) await waitFor('a new row or the end', () => exited !== undefined || newlines(out) > rowsBefore, 110_000);
        await Promise.race([done, sleep(delay)]);
        if (exited === undefined) child.kill('SIGKILL');
        const result = await done;
        const rows = expectIntact(out, `kill ${kill}`);
        // whatever is on disk between kills is already right, row for row
        for (const [key, row] of byKey(rows)) expect(row, key).toEqual(expected.get(key));
        const moment = `${delay} ms after ${afterRow ? 'a new row' : 'the start'}`;
        log.push(`kill ${kill} ${moment}: ${result.signal ?? `exit ${result.code}`}, ${rows.length} rows`);
        if (result.signal !== 'SIGKILL') expect(result.code, result.stderr).toBe(0);
      }
      const last = await runCli([...ARGS, '--workers', '1', '--out', out]);
      expect(last.code, last.stderr).toBe(0);
      const rows = expectIntact(out, 'after the last run');
      expect(bytesOf(out).toString().endsWith('\n')).toBe(true);
      expect(rows).toHaveLength(8);
      expect(byKey(rows)).toEqual(expected);
      console.info(`SIGKILL moments (FAULT_SEED=${seed}): ${log.join('; ')}`);
    } catch (error) {
      // the seed and what each kill met, to replay it
      (error as Error).message += `\nFAULT_SEED=${seed} (start-up ${startUp} ms, row gap ${Math.round(rowGap)} ms): ${log.join('; ')}`;
      throw error;
    }
  }, 240_000);

  it('a pool worker killed mid-run: the benchmark stops naming it and its run, keeps every finished row, and resumes', async () => {
    const out = join(dir, 'worker.jsonl');
    const child = startCli([...ARGS, '--workers', '2', '--out', out]);
    const done = finished(child);
    await waitFor('the first row', () => bytesOf(out).includes('\n'), 110_000);
    const workers = childPids(child.pid!, 'worker.ts');
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    const result = await done;
    expect(result.code, result.stderr).toBe(1);
    expectOneLineError(
      result.stderr,
      new RegExp(
        `worker \\d \\(pid ${workers[0]}\\) was killed \\(SIGKILL\\) during experiment (1|27) unet seed (1|250); ` +
          'the epochs finished before are saved: rerun the same command to resume$',
      ),
    );
    // every row the progress log reported as finished is on disk
    const rows = expectIntact(out, 'after the worker was killed');
    const reported = result.stderr.match(/^exp \S+ unet seed \d+ epoch \d+\/2:/gm) ?? [];
    expect(rows.length).toBe(reported.length);
    expect(rows.length).toBeLessThan(8);

    const resumed = await runCli([...ARGS, '--workers', '2', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const all = expectIntact(out, 'after the resume');
    expect(byKey(all)).toEqual(byKey(reference));
  }, 180_000);
});
