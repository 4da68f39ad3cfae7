import { rmSync } from 'node:fs';
import type { RunCommand } from '../args.js';
import { loadDataset } from '../datasets/registry.js';
import { ResultsFile } from '../results/results-file.js';
import { runPool } from './pool.js';
import { Progress, type ProgressStream } from './progress.js';
import { type ResultRow, type RunSettings, type RunSpec, rowKey, runKey } from './run-spec.js';

export interface BenchmarkOutcome {
  /** Rows of the runs this invocation covers (earlier ones from the file included). */
  readonly rows: ResultRow[];
  readonly failures: { run: RunSpec; message: string }[];
  readonly skippedFiles: number;
}

/** Every (model, loss, seed) run of the command, in that nesting. */
export function planRuns(command: RunCommand, settings: RunSettings): RunSpec[] {
  return command.models.flatMap((model) =>
    command.losses.flatMap((choice) =>
      command.seeds.map((seed): RunSpec => ({ experiment: choice.experiment, loss: choice.loss, model, seed, settings })),
    ),
  );
}

/**
 * Runs the benchmark: loads the dataset once, skips runs whose every epoch is in the results
 * file already, spreads the others over the worker pool and appends each epoch's row as it
 * arrives (rows already present are not written again, so a resumed run adds only what is missing).
 */
export async function runBenchmark(command: RunCommand, log: ProgressStream): Promise<BenchmarkOutcome> {
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
    threads: command.threads,
  };
  if (command.fresh) rmSync(command.out, { force: true });
  const results = new ResultsFile(command.out);
  try {
    results.checkCompatible(settings);
    const runs = planRuns(command, settings);
    const pending = runs.filter((run) => Array.from({ length: settings.epochs }, (_, e) => runKey(run, e + 1)).some((k) => !results.has(k)));
    log.write(
      `seg-bench: ${runs.length} runs (${command.losses.length} losses x ${command.models.length} model(s) x ${command.seeds.length} seeds), ` +
        `${command.backend} backend, ${command.dataset} ${dataset.train.length}/${dataset.val.length} images ${command.imageSize}x${command.imageSize}, ` +
        `${command.epochs} epochs; ${runs.length - pending.length} done already in ${command.out}; ` +
        `${Math.min(command.workers, pending.length)} worker(s) x ${command.threads} thread(s)\n`,
    );
    const progress = new Progress(pending.length, log, command.progress);
    const failures: BenchmarkOutcome['failures'] = [];
    await runPool(
      pending,
      { workers: command.workers, dataset, ema: command.ema },
      {
        onStart: (worker, run) => progress.start(worker, run),
        onStep: (worker, epoch, step, steps) => progress.step(worker, epoch, step, steps),
        onRow: (_, row) => {
          results.append(row);
          progress.row(row);
        },
        onDone: (worker) => progress.finish(worker),
        onFailed: (worker, run, message) => {
          failures.push({ run, message });
          progress.finish(worker, message);
        },
      },
    );
    progress.end();
    const wanted = new Set(runs.flatMap((run) => Array.from({ length: settings.epochs }, (_, e) => runKey(run, e + 1))));
    return { rows: results.rows.filter((row) => wanted.has(rowKey(row))), failures, skippedFiles: dataset.skipped.length };
  } finally {
    results.close();
  }
}
