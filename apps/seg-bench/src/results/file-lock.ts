import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ResultsIoError, errnoCode, io } from './io-error.js';

/** Who holds a lock: written into the lock file as JSON. */
export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

/** A lock taken over while stale is itself guarded; a guard older than this is abandoned. */
const GUARD_STALE_MS = 10_000;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return errnoCode(error) === 'EPERM';
  }
};

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.host === 'string' && Number.isSafeInteger(value.pid)) return value as LockHolder;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
  }
  // unreadable content: a holder killed between creating and writing the file
  return { host: hostname(), pid: -1, since: '?' };
}

/** Creates `path` exclusively holding `content`; false when it exists already. */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    const bytes = Buffer.from(content);
    if (writeSync(fd, bytes) !== bytes.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  } catch (error) {
    unlinkSync(path);
    throw error;
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * An exclusive lock next to a results file (`<file>.lock`), so two writers can never interleave
 * rows. A second writer stops with an error naming the holder (host and pid). A lock left by a
 * process that is gone (killed with SIGKILL, a crash) on this host is stale and taken over; a
 * lock from another host cannot be checked and is never taken over (remove it by hand once that
 * host's writer is known to be gone). Taking a stale lock over is itself guarded by a second
 * exclusive file, so two processes that both find the same stale lock cannot both win.
 */
export class FileLock {
  private held = true;

  private constructor(readonly path: string) {}

  static acquire(target: string): FileLock {
    const path = `${target}.lock`;
    const me: LockHolder = { host: hostname(), pid: process.pid, since: new Date().toISOString() };
    const content = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (io(path, 'create the lock file', () => createExclusive(path, content))) return new FileLock(path);
      const holder = readHolder(path);
      if (holder === undefined) continue; // released meanwhile
      if (holder.host !== me.host || alive(holder.pid)) {
        throw new ResultsIoError(
          `${target} is in use by another seg-bench (host ${holder.host}, pid ${holder.pid}, since ${holder.since}): ` +
            `wait for it, or pass another --out (lock file ${path}${holder.host !== me.host ? '; remove it if that host is gone' : ''})`,
          'ELOCKED',
        );
      }
      if (FileLock.takeOver(path, holder, content)) return new FileLock(path);
    }
    throw new ResultsIoError(`${path}: cannot take the lock (it keeps changing hands)`, 'ELOCKED');
  }

  /** Replaces a stale lock, holding a guard file so that only one taker replaces it. */
  private static takeOver(path: string, stale: LockHolder, content: string): boolean {
    const guard = `${path}.takeover`;
    if (!io(guard, 'create the lock guard', () => createExclusive(guard, content))) {
      try {
        if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) unlinkSync(guard);
      } catch {}
      return false;
    }
    try {
      const now = readHolder(path);
      if (now !== undefined && now.pid === stale.pid && now.host === stale.host && now.since === stale.since) {
        // the stale holder is still recorded: replace it atomically with our own record
        const mine = `${path}.${process.pid}`;
        io(mine, 'write the lock file', () => {
          const fd = openSync(mine, 'w', 0o644);
          try {
            writeSync(fd, content);
          } finally {
            closeSync(fd);
          }
          renameSync(mine, path);
        });
        return true;
      }
      return false;
    } finally {
      unlinkSync(guard);
    }
  }

  /** Removes the lock file, unless it names another process by now. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const holder = readHolder(this.path);
    if (holder?.pid !== process.pid || holder.host !== hostname()) return;
    try {
      unlinkSync(this.path);
    } catch {}
  }
}
