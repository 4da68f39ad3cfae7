import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SegmentationDataset } from '../datasets/dataset.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { ResultRow, RunSpec } from './run-spec.js';

/** Node flags that let a child process run the TypeScript worker from source (through tsx). */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.js')) return { file: fileURLToPath(new URL('./worker.js', here)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return { file: fileURLToPath(new URL('./worker.ts', here)), execArgv: ['--conditions=source', '--import', tsx] };
}

export interface RunEvents {
  onStep?(epoch: number, step: number, steps: number): void;
  onRow(row: ResultRow): void;
}

/** The run's own failure (a diverged loss, a bad module): reported, the sweep goes on. */
export class RunFailed extends Error {
  override name = 'RunFailed';
}

/**
 * One training child process (ONNX Runtime / tfjs in its own process, so its threads and its
 * event loop are its own). It receives a dataset once, then runs one run at a time. `run`
 * resolves when the run is done, rejects with RunFailed when the run itself fails, and with a
 * plain Error when the child dies (then the runner is unusable).
 */
export class ChildRunner {
  private readonly child: ChildProcess;
  private stderr = '';
  private dataset: SegmentationDataset | undefined;
  private current: { resolve(): void; reject(error: Error): void; events: RunEvents; spec: RunSpec } | undefined;
  private exited: Error | undefined;

  constructor(readonly index: number) {
    const entry = workerEntry();
    this.child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.child.on('message', (message: FromWorker) => {
      const current = this.current;
      try {
        switch (message.type) {
          case 'ready':
            return; // the dataset arrived; runs sent after it queue behind it
          case 'step':
            return current?.events.onStep?.(message.epoch, message.step, message.steps);
          case 'row':
            return current?.events.onRow(message.row);
          case 'done':
            this.current = undefined;
            return current?.resolve();
          case 'failed':
            this.current = undefined;
            return current?.reject(new RunFailed(message.message));
        }
      } catch (error) {
        // a handler failed (e.g. the results file could not be written): the run stops here
        this.current = undefined;
        current?.reject(error as Error);
      }
    });
    this.child.on('exit', (code, signal) => {
      const tail = this.stderr.trim().split('\n').slice(-8).join('\n');
      const spec = this.current?.spec;
      this.exited = new Error(
        `worker ${index} stopped (${signal ?? `exit code ${code}`})${spec ? ` during experiment ${spec.experiment} seed ${spec.seed}` : ''}${tail ? `:\n${tail}` : ''}`,
      );
      this.current?.reject(this.exited);
      this.current = undefined;
    });
  }

  /** Runs one run on `dataset` (sent to the child when it is not the one it holds). */
  async run(spec: RunSpec, dataset: SegmentationDataset, events: RunEvents): Promise<void> {
    if (this.exited) throw this.exited;
    if (this.current) throw new Error(`worker ${this.index} is busy`);
    if (this.dataset !== dataset) {
      this.child.send({ type: 'dataset', dataset } satisfies ToWorker);
      this.dataset = dataset;
    }
    return new Promise<void>((resolve, reject) => {
      this.current = { resolve, reject, events, spec };
      this.child.send({ type: 'run', spec } satisfies ToWorker);
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Stops the child (its run, if any, rejects). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Lets the child exit on its own (it exits when the IPC channel closes). */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
