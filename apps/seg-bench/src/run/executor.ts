import type { SegmentationDataset } from '../datasets/dataset.js';
import type { ResultRow, RunSpec } from './run-spec.js';

/**
 * What happens to runs while they execute, wherever that is. `slot` names one place a run is
 * executing (a local worker, a queue job); `where` is the process doing it, when it is not this
 * machine's pool (`host:pid`).
 */
export interface ExecutorEvents {
  onStart(slot: string, run: RunSpec, where?: string): void;
  onStep(slot: string, epoch: number, step: number, steps: number): void;
  /** Writes the row; when it returns, the row is on disk (the queue acknowledges it only then). */
  onRow(slot: string, row: ResultRow): void;
  onDone(slot: string, run: RunSpec): void;
  onFailed(slot: string, run: RunSpec, message: string): void;
  /** Whether the row with this key is in the results file. */
  written(key: string): boolean;
  /** A line for the log (reconnects, runs handed on). */
  log(text: string): void;
}

/**
 * Where runs execute: this machine's pool of child processes (pool.ts) or the workers of a
 * BullMQ queue (queue/coordinator.ts). Either one resolves once every run has written all its
 * epoch rows through `onRow` or been reported through `onFailed`.
 */
export interface RunExecutor {
  /** For the start line, e.g. "2 worker(s) x 1 thread(s)". */
  describe(pending: number): string;
  execute(runs: readonly RunSpec[], dataset: SegmentationDataset, events: ExecutorEvents): Promise<void>;
}
