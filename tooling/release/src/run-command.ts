import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code; null when killed (timeout). */
  readonly code: number | null;
  /** stdout and stderr interleaved as they came. */
  readonly output: string;
  readonly stdout: string;
  readonly seconds: number;
  readonly timedOut: boolean;
}

export interface CommandOptions {
  readonly cwd: string;
  readonly timeoutSeconds?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion without a shell, collecting its output; never rejects on failure. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer =
      options.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutSeconds * 1000);
    const finish = (code: number | null, error?: Error): void => {
      clearTimeout(timer);
      if (error) output += `\n${command}: ${error.message}`;
      resolve({ code, output, stdout, seconds: (performance.now() - started) / 1000, timedOut });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code));
  });
}

/** Maps `items` through `task` with at most `limit` running at once (the 2 shared cores). */
export async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
