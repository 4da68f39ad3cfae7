/**
 * File-system failures as one line a person can act on. The CLI prints `seg-bench: <message>`
 * and exits 1; no stack trace, since the cause is the disk or the path, not the program.
 */
export class ResultsIoError extends Error {
  override name = 'ResultsIoError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** What each errno means for a results file, and what to do about it. */
const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full (ENOSPC); free some space',
  EDQUOT: 'the disk quota is used up (EDQUOT); free some space',
  EACCES: 'permission denied (EACCES); pick a writable --out or fix the permissions',
  EPERM: 'operation not permitted (EPERM); pick a writable --out or fix the permissions',
  EROFS: 'the file system is read-only (EROFS); pick another --out',
  EISDIR: 'it is a directory (EISDIR); --out names a file, e.g. results/run.jsonl',
  ENOTDIR: 'a part of the path is a file, not a directory (ENOTDIR)',
  ENOENT: 'no such file or directory (ENOENT)',
  EIO: 'an I/O error from the device (EIO)',
  EMFILE: 'too many open files (EMFILE)',
  ENAMETOOLONG: 'the path is too long (ENAMETOOLONG)',
};

export const errnoCode = (error: unknown): string | undefined =>
  error && typeof error === 'object' && typeof (error as NodeJS.ErrnoException).code === 'string'
    ? (error as NodeJS.ErrnoException).code
    : undefined;

/** `<path>: cannot <action>: <cause>[; <then>]` for a failed fs call. */
export function ioError(path: string, action: string, error: unknown, then?: string): ResultsIoError {
  const code = errnoCode(error);
  const cause = (code !== undefined ? CAUSES[code] : undefined) ?? (code ?? (error as Error)?.message ?? String(error));
  return new ResultsIoError(`${path}: cannot ${action}: ${cause}${then ? `; ${then}` : ''}`, code);
}

/** Runs a file-system call, turning its failure into a one-line ResultsIoError. */
export function io<T>(path: string, action: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof ResultsIoError) throw error;
    if (errnoCode(error) === undefined) throw error;
    throw ioError(path, action, error);
  }
}
