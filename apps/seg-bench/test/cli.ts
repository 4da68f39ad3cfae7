import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Root without the capabilities that let it pass every file permission check (CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH): the process still owns what root owns (the checkout), but a file or folder
 * whose mode denies writing gives it EACCES, as it would any user.
 */
const WITHOUT_DAC_OVERRIDE = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'];

export interface CliOptions {
  /** run with file permission checks enforced even as root (see WITHOUT_DAC_OVERRIDE) */
  readonly enforcePermissions?: boolean;
}

/** Starts the CLI from source in a child process, as `pnpm bench` does. */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  const command = [process.execPath, '--conditions=source', '--import', TSX, 'src/cli.ts', ...args];
  const [file, ...rest] = options.enforcePermissions ? [...WITHOUT_DAC_OVERRIDE, ...command] : command;
  return spawn(file!, rest, { cwd: APP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export const runCli = (args: readonly string[], options: CliOptions = {}) => finished(startCli(args, options));

/** The tiny configuration of the end-to-end tests: 2 experiments, 2 seeds, 16x16 images. */
export const TINY = [
  '--experiments', '1,27',
  '--seeds', '1,250',
  '--image-size', '16',
  '--width', '4',
  '--train-images', '8',
  '--val-images', '4',
  '--batch', '4',
  '--progress', 'plain',
];

/** A CLI process whose output can be waited on while it runs. */
export interface LiveCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects when the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

export function startLive(args: readonly string[]): LiveCli {
  const child = startCli(args);
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const done = finished(child);
  return {
    child,
    done,
    output: () => text,
    waitFor: (pattern, ms = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} within ${ms} ms; output:\n${text.slice(-3000)}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void done.then(() => {
          if (!listeners.has(check)) return;
          cleanup();
          if (pattern.test(text)) resolve();
          else reject(new Error(`the process ended without ${pattern}; output:\n${text.slice(-3000)}`));
        });
        check();
      }),
  };
}
