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

/** The child process died (killed, out of memory, a crash in native code): the sweep stops. */
export class WorkerDied extends Error {
  override name = 'WorkerDied';
}

/**
 * One training child process (ONNX Runtime / tfjs in its own process, so its threads and its
 * event loop are its own). It receives a dataset once, then runs one run at a time. `run`
 * resolves when the run is done, rejects with RunFailed when the run itself fails, and with
 * WorkerDied when the child dies (then the runner is unusable), after every row the child sent
 * before it died has been handed to the events.
 */
export class ChildRunner {
  private readonly child: ChildProcess;
  private stderr = '';
  private dataset: SegmentationDataset | undefined;
  private current: { resolve(): void; reject(error: Error): void; events: RunEvents; spec: RunSpec } | undefined;
  private exited: WorkerDied | undefined;
  private closed: () => void = () => {};
  private disconnected = false;
  /** Resolves once the child is gone and every message it sent has been handled. */
  readonly gone = new Promise<void>((resolve) => {
    this.closed = resolve;
  });

  constructor(readonly index: number) {
    const entry = workerEntry();
    this.child = fork(entry.file, [], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    // a failed spawn or send: 'close' follows and reports it with this text
    this.child.on('error', (error) => {
      this.stderr += `\n${error.message}`;
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
    // 'close', not 'exit': it comes after the IPC channel is drained, so every row the child sent
    // before it died has been handled (on 'exit', rows still in the pipe would be dropped). Once
    // close() has disconnected the channel no message can come, and Node emits no 'close' then.
    this.child.on('close', (code, signal) => this.stopped(code, signal));
    this.child.on('exit', (code, signal) => {
      if (this.disconnected) this.stopped(code, signal);
    });
  }

  private stopped(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    const tail = this.stderr.trim().split('\n').slice(-8).join('\n');
    const spec = this.current?.spec;
    const how = signal !== null ? `was killed (${signal})` : `exited with code ${code}`;
    const during = spec ? ` during experiment ${spec.experiment} ${spec.model} seed ${spec.seed}` : '';
    this.exited = new WorkerDied(
      `worker ${this.index} (pid ${this.child.pid}) ${how}${during}; the epochs finished before are saved: rerun the same command to resume` +
        (tail ? `\n${tail}` : ''),
    );
    this.current?.reject(this.exited);
    this.current = undefined;
    this.closed();
  }

  /** Runs one run on `dataset` (sent to the child when it is not the one it holds). */
  async run(spec: RunSpec, dataset: SegmentationDataset, events: RunEvents): Promise<void> {
    // a child that died between runs: wait for its 'close' (sending to it would be an error event)
    if (!this.child.connected) await this.gone;
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

  /** False once the child has died (a new ChildRunner is needed). */
  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Stops the child (its run, if any, rejects); resolves once its last messages are handled. */
  kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.gone;
  }

  /** Lets the child exit on its own (it exits when the IPC channel closes). */
  close(): void {
    this.disconnected = true;
    if (this.child.connected) this.child.disconnect();
  }
}
