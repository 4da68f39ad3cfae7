import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ResultsIoError, errnoCode, io } from './io-error.js';

/** Who holds a lock: written into the lock file as JSON. */
export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

/**
 * A lock file, or the guard of a take-over, is written within milliseconds of its creation, and a
 * guard is held for milliseconds; one that is still empty, or a guard still there, after this
 * long was left by a writer killed at that moment (SIGKILL between create and write), so it is
 * stale. Before then the writer may still be busy: wait for it.
 */
const HALF_WRITTEN_STALE_MS = 2000;
/** How long acquire waits for a half-written lock or a take-over guard to settle. */
const SETTLE_MS = 3 * HALF_WRITTEN_STALE_MS;
const POLL_MS = 50;

/** A synchronous pause (the lock is taken in a constructor). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const ageMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** Whether a process of this host with that pid exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return errnoCode(error) === 'EPERM';
  }
};

/**
 * What a lock file holds: the holder, 'unwritten' when its content is not (yet) a holder (its
 * creator is writing it, or was killed between creating and writing it), undefined when it is
 * gone. `raw` is the text, to tell later whether the file still holds the same thing.
 */
type LockContent = { readonly holder: LockHolder | 'unwritten'; readonly raw: string };

function readLock(path: string): LockContent | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof value.host === 'string' && Number.isSafeInteger(value.pid) && (value.pid as number) > 0) {
      return { holder: value as LockHolder, raw };
    }
  } catch {}
  return { holder: 'unwritten', raw };
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
 * exclusive file, so two processes that both find the same stale lock cannot both win. A lock
 * file still empty, or a guard still there, after HALF_WRITTEN_STALE_MS was left by a process
 * killed between creating and writing it, and is stale too (before that, acquire waits).
 */
export class FileLock {
  private held = true;

  private constructor(readonly path: string) {}

  static acquire(target: string): FileLock {
    const path = `${target}.lock`;
    const me: LockHolder = { host: hostname(), pid: process.pid, since: new Date().toISOString() };
    const content = `${JSON.stringify(me)}\n`;
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      if (io(path, 'create the lock file', () => createExclusive(path, content))) return new FileLock(path);
      const lock = io(path, 'read the lock file', () => readLock(path));
      if (lock === undefined) continue; // released meanwhile
      const { holder } = lock;
      const stale =
        holder === 'unwritten' ? ageMs(path) > HALF_WRITTEN_STALE_MS : holder.host === me.host && !alive(holder.pid);
      if (holder !== 'unwritten' && !stale) {
        throw new ResultsIoError(
          `${target} is in use by another seg-bench (host ${holder.host}, pid ${holder.pid}, since ${holder.since}): ` +
            `wait for it, or pass another --out (lock file ${path}${holder.host !== me.host ? '; remove it if that host is gone' : ''})`,
          'ELOCKED',
        );
      }
      if (stale && FileLock.takeOver(path, lock.raw, content)) return new FileLock(path);
      if (Date.now() > deadline) {
        throw new ResultsIoError(
          `${path}: cannot take the lock: it stayed half-written or under take-over for ${SETTLE_MS / 1000} s; ` +
            `remove ${path} and ${path}.takeover if no seg-bench is running on ${target}`,
          'ELOCKED',
        );
      }
      pause(POLL_MS);
    }
  }

  /**
   * Replaces a stale lock (whose text was `staleRaw`), holding a guard file so that only one
   * taker replaces it. A guard left by a taker killed mid-way is removed once it is stale.
   */
  private static takeOver(path: string, staleRaw: string, content: string): boolean {
    const guard = `${path}.takeover`;
    if (!io(guard, 'create the lock guard', () => createExclusive(guard, content))) {
      if (ageMs(guard) > HALF_WRITTEN_STALE_MS) {
        try {
          unlinkSync(guard);
        } catch {}
      }
      return false;
    }
    try {
      if (readLock(path)?.raw !== staleRaw) return false; // someone else took it over meanwhile
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
    } finally {
      unlinkSync(guard);
    }
  }

  /** Removes the lock file, unless it names another process by now. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    let holder: LockContent['holder'] | undefined;
    try {
      holder = readLock(this.path)?.holder;
    } catch {
      return;
    }
    if (holder === undefined || holder === 'unwritten' || holder.pid !== process.pid || holder.host !== hostname()) return;
    try {
      unlinkSync(this.path);
    } catch {}
  }
}
