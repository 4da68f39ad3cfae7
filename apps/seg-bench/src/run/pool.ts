import type { SegmentationDataset } from '../datasets/dataset.js';
import { ChildRunner, RunFailed } from './child-runner.js';
import type { ResultRow, RunSpec } from './run-spec.js';

export interface PoolEvents {
  onStart(worker: number, run: RunSpec): void;
  onStep(worker: number, epoch: number, step: number, steps: number): void;
  onRow(worker: number, row: ResultRow): void;
  onDone(worker: number, run: RunSpec): void;
  onFailed(worker: number, run: RunSpec, message: string): void;
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
export async function runPool(
  runs: readonly RunSpec[],
  options: { workers: number; dataset: SegmentationDataset },
  events: PoolEvents,
): Promise<void> {
  const queue = [...runs];
  const runners: ChildRunner[] = [];
  const workerLoop = async (index: number) => {
    const runner = new ChildRunner(index);
    runners.push(runner);
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      events.onStart(index, run);
      try {
        await runner.run(run, options.dataset, {
          onStep: (epoch, step, steps) => events.onStep(index, epoch, step, steps),
          onRow: (row) => events.onRow(index, row),
        });
        events.onDone(index, run);
      } catch (error) {
        if (!(error instanceof RunFailed)) throw error;
        events.onFailed(index, run, error.message);
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
