import { Redis } from 'ioredis';
import type { RedisTarget } from './redis-url.js';

/**
 * A connection as BullMQ needs it (the password from the URL, else from REDISCLI_AUTH): commands wait for a reconnect instead of failing after a few
 * retries (maxRetriesPerRequest null), so a Redis restart pauses a sweep instead of ending it.
 * Errors while Redis is away are reported once per outage through `onError`.
 */
export function connect(target: RedisTarget, name: string, onError: (message: string) => void): Redis {
  // redis-cli's convention: a password in the environment stays out of the process list (ps)
  const fromEnv = new URL(target.url).password === '' ? process.env.REDISCLI_AUTH : undefined;
  const redis = new Redis(target.url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    enableReadyCheck: true,
    ...(fromEnv ? { password: fromEnv } : {}),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    onError(`${target.shown}: ${error.message}; retrying`);
  });
  redis.on('ready', () => {
    down = false;
  });
  return redis;
}
