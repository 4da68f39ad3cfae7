import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SegmentationDataset } from '../datasets/dataset.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { ResultRow, RunSpec } from './run-spec.js';

export interface PoolEvents {
  onStart(worker: number, run: RunSpec): void;
  onStep(worker: number, epoch: number, step: number, steps: number): void;
  onRow(worker: number, row: ResultRow): void;
  onDone(worker: number, run: RunSpec): void;
  onFailed(worker: number, run: RunSpec, message: string): void;
}

/** Node flags that let a child process run the TypeScript worker from source (through tsx). */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.js')) return { file: fileURLToPath(new URL('./worker.js', here)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return { file: fileURLToPath(new URL('./worker.ts', here)), execArgv: ['--conditions=source', '--import', tsx] };
}

/**
 * Runs independent training runs over `workers` child processes (each one ONNX Runtime /
 * tfjs instance, so workers x threads bounds the cores in use). Each worker takes the next
 * run when it finishes one. Resolves when every run has finished or failed.
 */
export async function runPool(
  runs: readonly RunSpec[],
  options: { workers: number; dataset: SegmentationDataset; ema: 'literal' | 'stateful' },
  events: PoolEvents,
): Promise<void> {
  const queue = [...runs];
  const entry = workerEntry();
  const children: ChildProcess[] = [];
  const workerLoop = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      let current: RunSpec | undefined;
      const next = () => {
        current = queue.shift();
        if (!current) {
          child.disconnect();
          return;
        }
        events.onStart(index, current);
        child.send({ type: 'run', spec: current, ema: options.ema } satisfies ToWorker);
      };
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            return next();
          case 'step':
            return events.onStep(index, message.epoch, message.step, message.steps);
          case 'row':
            return events.onRow(index, message.row);
          case 'done':
            events.onDone(index, current!);
            return next();
          case 'failed':
            events.onFailed(index, current!, message.message);
            return next();
        }
      });
      child.on('exit', (code, signal) => {
        if (current === undefined) return resolve();
        const tail = stderr.trim().split('\n').slice(-8).join('\n');
        reject(new Error(`worker ${index} stopped (${signal ?? `exit code ${code}`}) during experiment ${current.experiment} seed ${current.seed}${tail ? `:\n${tail}` : ''}`));
      });
      child.send({ type: 'dataset', dataset: options.dataset } satisfies ToWorker);
    });
  try {
    await Promise.all(Array.from({ length: Math.min(options.workers, runs.length) }, (_, i) => workerLoop(i)));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
