import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, USAGE, UsageError, parseCommandLine } from './args.js';
import { readResults } from './results/results-file.js';
import { runBenchmark } from './run/benchmark.js';
import type { ProgressStream } from './run/progress.js';
import { RENDERERS, epochCurves, summarize } from './summary.js';

/** Runs one command line; returns the exit code (0 ok, 1 failed runs or errors, 2 usage). */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** Log lines and the live progress line (live only where isTTY is true). */
  readonly stderr: ProgressStream;
}

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`seg-bench: ${error.message}\n`);
    return 2;
  }
  try {
    switch (command.command) {
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case 'summary': {
        if (!existsSync(command.out)) {
          io.stderr.write(`seg-bench summary: no results file at ${command.out} (run the benchmark first, or pass --out FILE)\n`);
          return 1;
        }
        const { rows } = readResults(command.out);
        io.stdout.write(RENDERERS[command.format](summarize(rows, { epoch: command.epoch })));
        if (command.format === 'markdown') io.stdout.write(`\n${epochCurves(rows)}`);
        return 0;
      }
      case 'worker':
        return await (await import('./queue/queue-worker.js')).runWorker(command, io.stderr);
      case 'run': {
        const stop = onInterrupt(io, command.out);
        let outcome: Awaited<ReturnType<typeof runBenchmark>>;
        try {
          outcome = await runBenchmark(command, io.stderr);
        } finally {
          stop();
        }
        io.stdout.write(RENDERERS[command.format](summarize(outcome.rows)));
        if (command.format === 'markdown') io.stdout.write(`\n${epochCurves(outcome.rows)}`);
        for (const failure of outcome.failures) {
          io.stderr.write(`failed: experiment ${failure.run.experiment} ${failure.run.model} seed ${failure.run.seed}: ${failure.message}\n`);
        }
        return outcome.failures.length > 0 ? 1 : 0;
      }
    }
  } catch (error) {
    io.stderr.write(`seg-bench: ${(error as Error).message}\n`);
    return 1;
  }
}

/**
 * Ctrl-C during a run: the rows finished so far are on disk (each was fsync'd as it arrived) and
 * the results file's lock goes with the process, so say how to continue, then exit 130 (the
 * shell's code for SIGINT). Returns the function that removes the handler.
 */
function onInterrupt(io: CliIo, out: string): () => void {
  const handler = () => {
    io.stderr.write(`\nseg-bench: interrupted; the finished epochs are saved in ${out}: rerun the same command to resume\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // `pnpm bench -- --help` forwards the separator itself
  const argv = process.argv.slice(2);
  try {
    process.exitCode = await main(argv[0] === '--' ? argv.slice(1) : argv);
  } catch (error) {
    // anything main did not turn into a message still ends as one line, not a stack trace
    process.stderr.write(`seg-bench: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
