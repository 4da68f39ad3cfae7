import type { SegmentationDataset } from '../datasets/dataset.js';
import { ChildRunner, RunFailed } from './child-runner.js';
import type { ExecutorEvents, RunExecutor } from './executor.js';
import type { RunSpec } from './run-spec.js';

export type PoolEvents = Pick<ExecutorEvents, 'onStart' | 'onStep' | 'onRow' | 'onDone' | 'onFailed'>;

/** Runs on this machine: `workers` child processes. */
export function localPool(workers: number, threads: number): RunExecutor {
  return {
    describe: (pending) => `${Math.min(workers, pending)} worker(s) x ${threads} thread(s)`,
    execute: (runs, dataset, events) => runPool(runs, { workers, dataset }, events),
  };
}

/**
 * Runs independent training runs over `workers` child processes (each one ONNX Runtime /
 * tfjs instance, so workers x threads bounds the cores in use). Each worker takes the next
 * run when it finishes one. Resolves when every run has finished or failed; rejects when a
 * worker dies (WorkerDied, naming it and its run) or an event handler throws (a results file
 * that cannot be written), after stopping every worker and handling the rows they sent before
 * they stopped (so no finished epoch is lost). A dead worker's run is not retried: a child
 * killed by the OOM killer would be killed again; the rerun of the command resumes it.
 */
async function runPool(
  runs: readonly RunSpec[],
  options: { workers: number; dataset: SegmentationDataset },
  events: PoolEvents,
): Promise<void> {
  const queue = [...runs];
  const runners: ChildRunner[] = [];
  const workerLoop = async (index: number) => {
    const runner = new ChildRunner(index);
    const slot = String(index);
    runners.push(runner);
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      events.onStart(slot, run);
      try {
        await runner.run(run, options.dataset, {
          onStep: (epoch, step, steps) => events.onStep(slot, epoch, step, steps),
          onRow: (row) => events.onRow(slot, row),
        });
        events.onDone(slot, run);
      } catch (error) {
        if (!(error instanceof RunFailed)) throw error;
        events.onFailed(slot, run, error.message);
      }
    }
    runner.close();
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.workers, runs.length) }, (_, i) => workerLoop(i)));
  } catch (error) {
    queue.length = 0;
    throw error;
  } finally {
    await Promise.all(runners.map((runner) => runner.kill()));
  }
}
