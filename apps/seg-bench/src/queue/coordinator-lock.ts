import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { alive } from '../results/file-lock.js';

/** Who coordinates a queue: stored as JSON under the sweep's `coordinator` key. */
interface Holder {
  readonly host: string;
  readonly pid: number;
  readonly out: string;
  readonly since: string;
}

/** The key lives this long after the last renewal: a coordinator on another host that died frees the queue then. */
const TTL_MS = 15_000;
const RENEW_MS = 5_000;

/**
 * Renews or deletes the key only while it still holds our value (compare and act, atomically); a
 * key that is gone (a Redis restarted without it) is claimed again.
 */
const RENEW =
  "local v = redis.call('GET', KEYS[1]) if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) elseif not v then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

class CoordinatorBusy extends Error {
  override name = 'CoordinatorBusy';
}

/**
 * One coordinator per queue: two would split the rows stream between them (a consumer group hands
 * each row to one reader), so each results file would miss rows. Like the results-file lock, a
 * holder on this host whose process is gone (SIGKILL) is taken over at once; one on another host
 * holds the queue until its key expires, TTL_MS after its last renewal.
 */
export class CoordinatorLock {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly value: string,
  ) {
    this.timer = setInterval(() => void this.redis.eval(RENEW, 1, key, value, TTL_MS).catch(() => {}), RENEW_MS);
    this.timer.unref();
  }

  static async acquire(redis: Redis, key: string, out: string, where: string): Promise<CoordinatorLock> {
    const value = JSON.stringify({ host: hostname(), pid: process.pid, out, since: new Date().toISOString() } satisfies Holder);
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await redis.set(key, value, 'PX', TTL_MS, 'NX')) === 'OK') return new CoordinatorLock(redis, key, value);
      const text = await redis.get(key);
      if (text === null) continue; // expired meanwhile
      const holder = JSON.parse(text) as Holder;
      if (holder.host !== hostname() || alive(holder.pid)) {
        throw new CoordinatorBusy(
          `${where} is coordinated by another seg-bench (host ${holder.host}, pid ${holder.pid}, results ${holder.out}, since ${holder.since}): ` +
            `wait for it, or pass another --queue-name${holder.host !== hostname() ? ` (if that host is gone, its claim lapses ${TTL_MS / 1000} s after it stopped)` : ''}`,
        );
      }
      // the holder died on this host: replace its value, unless someone else did first
      const swapped = await redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end",
        1,
        key,
        text,
        value,
        TTL_MS,
      );
      if (swapped === 1) return new CoordinatorLock(redis, key, value);
    }
    throw new CoordinatorBusy(`${where}: cannot take the coordinator key ${key} (it keeps changing hands)`);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.value);
  }
}
