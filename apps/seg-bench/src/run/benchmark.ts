import { rmSync } from 'node:fs';
import type { RunCommand } from '../args.js';
import type { SegmentationDataset } from '../datasets/dataset.js';
import { loadDataset } from '../datasets/registry.js';
import { buildLoss, lossSourceOf } from '../losses.js';
import { ResultsFile } from '../results/results-file.js';
import type { RunExecutor } from './executor.js';
import { localPool } from './pool.js';
import { Progress, type ProgressStream } from './progress.js';
import { type ResultRow, type RunSettings, type RunSpec, identityOf, rowKey, runKey } from './run-spec.js';

export interface BenchmarkOutcome {
  /** Rows of the runs this invocation covers (earlier ones from the file included). */
  readonly rows: ResultRow[];
  readonly failures: { run: RunSpec; message: string }[];
  readonly skippedFiles: number;
}

/** Every (model, loss, seed) run of the command, in that nesting. */
export function planRuns(command: RunCommand, settings: RunSettings, lossSources: readonly string[]): RunSpec[] {
  return command.models.flatMap((model) =>
    command.losses.flatMap((choice, i) =>
      command.seeds.map(
        (seed): RunSpec => ({ experiment: choice.experiment, loss: choice.loss, lossSource: lossSources[i]!, model, seed, settings }),
      ),
    ),
  );
}

/** The row keys a run writes, one per epoch. */
export const runRowKeys = (run: RunSpec): string[] => Array.from({ length: run.settings.epochs }, (_, e) => runKey(run, e + 1));

/** A benchmark ready to run: data loaded, losses checked, results file open and locked. */
export interface PreparedBenchmark {
  readonly dataset: SegmentationDataset;
  readonly settings: RunSettings;
  readonly runs: RunSpec[];
  /** Runs with at least one epoch row missing from the results file. */
  readonly pending: RunSpec[];
  readonly results: ResultsFile;
}

/**
 * Everything before the first run, in the order that keeps mistakes cheap: the data is read and
 * every loss is built once here (a bad --loss formula fails now, before any worker starts and
 * before the results file exists), then the results file is opened under its lock and checked
 * against the run identity of every planned run.
 */
export async function prepareBenchmark(command: RunCommand, log: ProgressStream): Promise<PreparedBenchmark> {
  const dataset = loadDataset(command.dataset, {
    dataDir: command.dataDir,
    imageSize: command.imageSize,
    trainImages: command.trainImages,
    valImages: command.valImages,
    skipBad: command.skipBad,
    dataSeed: command.dataSeed,
  });
  if (dataset.skipped.length > 0) {
    log.write(`skipped ${dataset.skipped.length} unreadable file(s) (--skip-bad):\n`);
    for (const s of dataset.skipped.slice(0, 10)) log.write(`  ${s.reason}\n`);
    if (dataset.skipped.length > 10) log.write(`  ... and ${dataset.skipped.length - 10} more\n`);
  }
  for (const choice of command.losses) {
    if (choice.loss.kind !== 'paper') await buildLoss(choice.loss, { numClasses: dataset.classNames.length, ema: command.ema });
  }
  const lossSources = command.losses.map((choice) => lossSourceOf(choice.loss));
  const settings: RunSettings = {
    backend: command.backend,
    dataset: command.dataset,
    dataDir: command.dataDir,
    skipBad: command.skipBad,
    dataSeed: command.dataSeed,
    trainImages: dataset.train.length,
    valImages: dataset.val.length,
    imageSize: command.imageSize,
    epochs: command.epochs,
    batchSize: command.batchSize,
    width: command.width,
    depth: command.depth,
    learningRate: command.learningRate,
    ema: command.ema,
    threads: command.threads,
  };
  if (command.fresh) rmSync(command.out, { force: true });
  const results = new ResultsFile(command.out);
  try {
    const runs = planRuns(command, settings, lossSources);
    for (const run of runs) results.checkCompatible(identityOf(run));
    const pending = runs.filter((run) => runRowKeys(run).some((k) => !results.has(k)));
    return { dataset, settings, runs, pending, results };
  } catch (error) {
    results.close();
    throw error;
  }
}

/** The rows of `runs` in the results file, in file order. */
export function rowsOf(results: ResultsFile, runs: readonly RunSpec[]): ResultRow[] {
  const wanted = new Set(runs.flatMap(runRowKeys));
  return results.rows.filter((row) => wanted.has(rowKey(row)));
}

/**
 * Runs the benchmark on this machine: skips runs whose every epoch is in the results file
 * already, spreads the others over the worker pool and appends each epoch's row as it arrives
 * (rows already present are not written again, so a resumed run adds only what is missing).
 */
export async function runBenchmark(command: RunCommand, log: ProgressStream): Promise<BenchmarkOutcome> {
  const { dataset, runs, pending, results } = await prepareBenchmark(command, log);
  try {
    const executor: RunExecutor = command.queue
      ? new (await import('../queue/coordinator.js')).QueueCoordinator(command.queue, { fresh: command.fresh, out: command.out })
      : localPool(command.workers, command.threads);
    log.write(
      `seg-bench: ${runs.length} runs (${command.losses.length} losses x ${command.models.length} model(s) x ${command.seeds.length} seeds), ` +
        `${command.backend} backend, ${command.dataset} ${dataset.train.length}/${dataset.val.length} images ${command.imageSize}x${command.imageSize}, ` +
        `${command.epochs} epochs; ${runs.length - pending.length} done already in ${command.out}; ` +
        `${executor.describe(pending.length)}\n`,
    );
    const progress = new Progress(pending.length, log, command.progress);
    const failures: BenchmarkOutcome['failures'] = [];
    try {
      await executor.execute(pending, dataset, {
        onStart: (slot, run, where) => progress.start(slot, run, where),
        onStep: (slot, epoch, step, steps) => progress.step(slot, epoch, step, steps),
        onRow: (_, row) => {
          if (results.append(row)) progress.row(row);
        },
        onDone: (slot) => progress.finish(slot),
        onFailed: (slot, run, message) => {
          failures.push({ run, message });
          progress.finish(slot, message, run);
        },
        written: (key) => results.has(key),
        log: (text) => progress.note(text),
      });
    } finally {
      progress.close();
    }
    progress.end();
    return { rows: rowsOf(results, runs), failures, skippedFiles: dataset.skipped.length };
  } finally {
    results.close();
  }
}
