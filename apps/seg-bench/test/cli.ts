import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starts the CLI from source in a child process, as `pnpm bench` does (`as`: e.g. another uid). */
export function startCli(args: readonly string[], as: Pick<SpawnOptions, 'uid' | 'gid'> = {}): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', TSX, 'src/cli.ts', ...args], {
    cwd: APP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  });
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

export const runCli = (args: readonly string[], as: Pick<SpawnOptions, 'uid' | 'gid'> = {}) => finished(startCli(args, as));

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
