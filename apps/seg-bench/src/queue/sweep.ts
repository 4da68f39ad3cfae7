import { hostname } from 'node:os';
import { type RunSpec, identityOf, rowKey } from '../run/run-spec.js';

/** What a BullMQ job of a sweep carries: the run as the coordinator planned it. */
export interface RunJobData {
  readonly spec: RunSpec;
}

/** What a worker reports through `job.updateProgress` (shown by the coordinator's live view). */
export interface RunJobProgress {
  readonly worker: string;
  readonly epoch: number;
  readonly step: number;
  readonly steps: number;
}

/**
 * The run's key: the row key without the epoch (experiment|model|dataset|backend|seed). BullMQ
 * refuses ':' in custom ids (its key separator) and experiments are written `custom:1`, so '%'
 * and ':' are percent-encoded (reversibly: two runs never share an id).
 */
export function jobIdOf(run: RunSpec): string {
  const key = rowKey({ ...run, dataset: run.settings.dataset, backend: run.settings.backend, epoch: 0 }).replace(/\|0$/, '');
  return key.replaceAll('%', '%25').replaceAll(':', '%3A');
}

/** The run identity as one comparable string (settings that change the numbers; not threads or paths). */
export const identityText = (run: RunSpec): string => JSON.stringify(identityOf(run));

/** The Redis keys of a sweep besides BullMQ's own (`bull:<name>:*`). */
export function sweepKeys(name: string) {
  return {
    /** Epoch rows on their way from workers to the coordinator (XADD, read by a consumer group). */
    rows: `seg-bench:${name}:rows`,
    group: 'coordinator',
    /** One consumer for every coordinator process, so a restarted one inherits the unacknowledged rows. */
    consumer: 'coordinator',
    /** Who coordinates this queue now (one coordinator per queue; see coordinator-lock.ts). */
    coordinator: `seg-bench:${name}:coordinator`,
  };
}

/** How a process names itself in progress, locks and BullMQ's `processedBy`. */
export const processName = (): string => `${hostname()}:${process.pid}`;
