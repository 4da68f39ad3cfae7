import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../src/results/results-file.js';
import { type ResultRow, rowKey } from '../src/run/run-spec.js';
import { type LiveCli, runCli, startLive } from './cli.js';
import { RedisServer } from './redis-server.js';

/**
 * Queue mode against a real redis-server (started per test on a free localhost port): workers
 * and coordinators are CLI processes, killed with real signals. The grid: 2 experiments x 2 seeds
 * x 3 epochs of the tiny configuration, 16 training images so an epoch has 4 steps.
 */
const grid = (epochs: number) => [
  '--experiments', '1,27', '--seeds', '1,250', '--epochs', String(epochs),
  '--image-size', '16', '--width', '4', '--train-images', '16', '--val-images', '4', '--batch', '4', '--progress', 'plain',
];
/** Short locks so a dead worker's run moves on in seconds; still shorter than a run, so they must be renewed. */
const WORKER = ['--concurrency', '1', '--lock-duration', '3000', '--stalled-interval', '1000'];

const dir = mkdtempSync(join(tmpdir(), 'seg-bench-queue-'));
const processes: LiveCli[] = [];
const live = (args: readonly string[]) => {
  const cli = startLive(args);
  processes.push(cli);
  return cli;
};
const worker = (redis: RedisServer, extra: readonly string[] = []) => live(['worker', '--queue', redis.url, ...WORKER, ...extra]);

/** A row without its timings: what must agree between two runs of the same thing. */
const scores = ({ trainSeconds, trainImagesPerSecond, ...rest }: ResultRow) => rest;
const byKey = (rows: readonly ResultRow[]) => new Map(rows.map((r) => [rowKey(r), scores(r)]));
const rowCount = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);
const until = async (test: () => boolean, what: string, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Stops the workers as an operator would (SIGTERM): each finishes and exits 0. */
async function stopWorkers(workers: readonly LiveCli[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  for (const w of workers) {
    const result = await w.done;
    if (result.signal !== 'SIGKILL') expect(result.code, w.output()).toBe(0);
  }
}

let single: Map<string, unknown>;
beforeAll(async () => {
  // the single-machine run the queue sweeps must equal, row for row
  const out = join(dir, 'single.jsonl');
  const result = await runCli([...grid(3), '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  single = byKey(readResults(out).rows);
  expect(single.size).toBe(12);
}, 90_000);

afterAll(() => {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('queue mode (BullMQ on a real redis-server)', () => {
  it('3 workers, one SIGKILLed mid-run, the coordinator SIGKILLed and restarted: the file equals the single-machine run', async () => {
    const redis = await RedisServer.start();
    const events = new QueueEvents('seg-bench', { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      await events.waitUntilReady();
      const out = join(dir, 'killed.jsonl');
      const args = [...grid(3), '--queue', redis.url, '--out', out];
      const first = live(args);
      // the first worker past its first epoch is killed: its epoch-1 row is published, the run unfinished
      const victim = new Promise<{ pid: number; jobId: string }>((resolve) => {
        const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
          const progress = data as { worker: string; epoch: number };
          if (progress.epoch < 2) return;
          events.off('progress', onProgress);
          const pid = Number(progress.worker.split(':').at(-1));
          process.kill(pid, 'SIGKILL');
          resolve({ pid, jobId });
        };
        events.on('progress', onProgress);
      });
      const workers = [worker(redis), worker(redis), worker(redis)];
      const killed = await victim;
      const dead = workers.find((w) => w.child.pid === killed.pid)!;
      expect((await dead.done).signal).toBe('SIGKILL');

      // the coordinator dies too (its results-file lock and its Redis claim are left behind) and is started again
      await new Promise((r) => setTimeout(r, 300));
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      const second = await live(args).done;
      expect(second.code, second.stderr).toBe(0);
      // the runs not finished in the file are still queued: none is enqueued again
      const already = Number(/; (\d) done already in/.exec(second.stderr)?.[1]);
      expect(second.stderr).toContain(`0 run(s) queued, ${4 - already} queued already`);

      const rows = readResults(out).rows;
      expect(rows).toHaveLength(12);
      expect(byKey(rows)).toEqual(single);

      // the dead worker's run was taken over by another worker, which trained it to its end
      const [experiment, model, , , seed] = killed.jobId.split('|');
      const run = `experiment ${experiment} ${model} seed ${seed}`;
      const survivors = workers.filter((w) => w !== dead);
      expect(survivors.some((w) => w.output().includes(`${run}: started`) && w.output().includes(`${run}: done`))).toBe(true);
      // every other run started once: locks were renewed through runs longer than --lock-duration
      const started = workers.map((w) => w.output().match(/: started/g)?.length ?? 0);
      expect(started.reduce((a, b) => a + b)).toBe(5);
      await stopWorkers(workers);
    } finally {
      await events.close();
      await redis.dispose();
    }
  }, 120_000);

  it('Redis restarted mid-sweep (append-only file): the sweep continues and the file equals the single-machine run', async () => {
    const redis = await RedisServer.start();
    try {
      const out = join(dir, 'restart.jsonl');
      const coordinator = live([...grid(3), '--queue', redis.url, '--out', out]);
      const workers = [worker(redis), worker(redis)];
      await until(() => rowCount(out) >= 1, 'a first row');
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.restart();
      const result = await coordinator.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/Redis redis:\/\/127\.0\.0\.1:\d+: .*; retrying/);
      const rows = readResults(out).rows;
      expect(rows).toHaveLength(12);
      expect(byKey(rows)).toEqual(single);
      await stopWorkers(workers);
    } finally {
      await redis.dispose();
    }
  }, 90_000);

  it('a run that fails on every worker is reported after 3 attempts; the other runs finish', async () => {
    const redis = await RedisServer.start();
    const modules = mkdtempSync(join(tmpdir(), 'seg-bench-queue-loss-'));
    try {
      // the loss module changes after the coordinator read it: every worker finds another file than the coordinator's
      const module = join(modules, 'loss.mjs');
      const core = import.meta.resolve('@losskit/core');
      const source = (experiment: number) =>
        `import { paperExperiments } from '${core}';\nexport const loss = (n) => paperExperiments[${experiment}].build({ numClasses: n });\n`;
      writeFileSync(module, source(0));
      const out = join(dir, 'poisoned.jsonl');
      const coordinator = live(['--experiments', '1', '--loss-module', module, ...grid(1).slice(2), '--queue', redis.url, '--out', out]);
      await coordinator.waitFor(/4 run\(s\) queued/);
      writeFileSync(module, source(1));
      const workers = [worker(redis), worker(redis)];
      const result = await coordinator.done;
      expect(result.code, result.stderr).toBe(1);
      for (const seed of [1, 250]) {
        expect(result.stderr).toMatch(
          new RegExp(`failed: experiment module:1 unet seed ${seed}: --loss-module \\S+ on this worker is module:sha256:\\w+, the coordinator's was module:sha256:\\w+: copy the same file to this machine \\(after 3 attempt\\(s\\)`),
        );
      }
      const rows = readResults(out).rows;
      expect(rows.map((r) => `${r.experiment}/${r.seed}`).sort()).toEqual(['1/1', '1/250']);
      expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
      // bounded: 2 runs x 3 attempts, over both workers
      expect(workers.map((w) => w.output().match(/module:1 unet seed \d+: failed/g)?.length ?? 0).reduce((a, b) => a + b)).toBe(6);
      await stopWorkers(workers);
    } finally {
      rmSync(modules, { recursive: true, force: true });
      await redis.dispose();
    }
  }, 90_000);

  it('one coordinator per queue; a queued run with other settings is refused; a worker stopped twice hands its run back', async () => {
    const redis = await RedisServer.start();
    try {
      const args = [...grid(1), '--queue', redis.url];
      const first = live([...args, '--out', join(dir, 'first.jsonl')]);
      await first.waitFor(/4 run\(s\) queued/);
      const second = await runCli([...args, '--out', join(dir, 'second.jsonl')]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/is coordinated by another seg-bench \(host \S+, pid \d+, results \S+first\.jsonl, since/);
      // the first coordinator dies with its 4 runs queued; another sweep under the same run keys is refused
      first.child.kill('SIGKILL');
      await first.done;
      const other = await runCli([...grid(2), '--queue', redis.url, '--out', join(dir, 'other.jsonl')]);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/holds run 1\|unet\|synthetic\|onnx\|1 with other settings \(--epochs 1 there, 2 now\): .*--fresh to empty the queue/);

      // a worker told twice to stop hands its run back: waiting again, no attempt used
      const stopped = worker(redis);
      await stopped.waitFor(/: started \(attempt 1 of 3\)/);
      stopped.child.kill('SIGTERM');
      // the second signal once the first was handled (two pending signals of one kind are delivered as one)
      await stopped.waitFor(/SIGTERM: taking no more runs/);
      stopped.child.kill('SIGTERM');
      const result = await stopped.done;
      expect(result.code, stopped.output()).toBe(0);
      expect(stopped.output()).toMatch(/seed \d+: handed back to the queue\n.*: stopped/);
      const queue = new Queue('seg-bench', { connection: { host: '127.0.0.1', port: redis.port } });
      try {
        expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({ waiting: 4, active: 0, completed: 0, failed: 0 });
        const jobs = await queue.getWaiting();
        expect(jobs.map((job) => job.attemptsMade)).toEqual([0, 0, 0, 0]);
      } finally {
        await queue.close();
      }
    } finally {
      await redis.dispose();
    }
  }, 60_000);
});
