/**
 * Runs per minute through the queue (a coordinator, 2 `seg-bench worker` processes, a local
 * redis-server) against the local pool (2 workers) on the same grid, in interleaved rounds so
 * both see the same machine load. The workers are started once and stay up across rounds, as
 * they would on a cluster; each round is one fresh sweep (its own results file), timed from the
 * coordinator's start to its exit, the same span as the local pool's command.
 *
 *   pnpm --filter @losskit/seg-bench bench:queue [-- --rounds 3 --experiments 1-8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readResults } from '../src/results/results-file.js';
import { type LiveCli, runCli, startLive } from '../test/cli.js';
import { RedisServer } from '../test/redis-server.js';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: { rounds: { type: 'string', default: '3' }, experiments: { type: 'string', default: '1-8' }, seeds: { type: 'string', default: '1,250' } },
});
const rounds = Number(values.rounds);
// the small preset's images and model, fewer epochs: 16 runs of a few seconds each
const GRID = ['--experiments', values.experiments!, '--seeds', values.seeds!, '--epochs', '2', '--progress', 'none', '--format', 'json'];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const dir = mkdtempSync(join(tmpdir(), 'seg-bench-bench-queue-'));
const redis = await RedisServer.start();
const workers: LiveCli[] = [0, 1].map(() => startLive(['worker', '--queue', redis.url, '--concurrency', '1']));
await Promise.all(workers.map((w) => w.waitFor(/taking runs/)));

async function timed(label: string, args: readonly string[], out: string): Promise<{ seconds: number; runs: number }> {
  const started = performance.now();
  const result = await runCli([...GRID, ...args, '--out', out]);
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`${label} failed (${result.code}):\n${result.stderr}`);
  const rows = readResults(out).rows;
  const runs = new Set(rows.map((r) => `${r.experiment}|${r.seed}`)).size;
  return { seconds, runs };
}

const perMinute = { local: [] as number[], queue: [] as number[] };
const perRun = { local: [] as number[], queue: [] as number[] };
try {
  console.log(`grid: ${GRID.join(' ')}; ${rounds} interleaved rounds; load average at start ${load()}`);
  for (let round = 1; round <= rounds; round++) {
    // alternate which goes first so neither always runs on the warmer machine
    const order = round % 2 === 1 ? (['local', 'queue'] as const) : (['queue', 'local'] as const);
    for (const mode of order) {
      const out = join(dir, `${mode}-${round}.jsonl`);
      const args = mode === 'local' ? ['--workers', '2'] : ['--queue', redis.url];
      const { seconds, runs } = await timed(mode, args, out);
      perMinute[mode].push((runs / seconds) * 60);
      perRun[mode].push(seconds / runs);
      console.log(`round ${round} ${mode.padEnd(5)}: ${runs} runs in ${seconds.toFixed(1)} s = ${((runs / seconds) * 60).toFixed(1)} runs/min; load average ${load()}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = perMinute.queue.map((q, i) => q / perMinute.local[i]!);
  console.log(
    `\nmedian runs/min: local pool ${median(perMinute.local).toFixed(1)}, queue ${median(perMinute.queue).toFixed(1)}; ` +
      `queue / local per round ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}x)`,
  );
  console.log(`wall seconds per run (2 workers): local ${median(perRun.local).toFixed(2)}, queue ${median(perRun.queue).toFixed(2)}; load average at end ${load()}`);
} finally {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
}
