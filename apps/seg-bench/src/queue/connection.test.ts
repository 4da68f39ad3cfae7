import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../test/redis-server.js';
import { connect } from './connection.js';
import { parseRedisUrl } from './redis-url.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start(['--requirepass', 's3cret']);
});
afterAll(() => redis.dispose());

async function ping(url: string): Promise<string> {
  const connection = connect(parseRedisUrl('--queue', url), 'seg-bench test', () => {});
  try {
    return await Promise.race([
      connection.ping().catch((error: Error) => `error: ${error.message}`),
      new Promise<string>((resolve) => connection.once('error', (error: Error) => resolve(`error: ${error.message}`))),
    ]);
  } finally {
    connection.disconnect();
  }
}

describe('Redis connections (a real redis-server with requirepass)', () => {
  it('authenticate with the password of the URL, or else of REDISCLI_AUTH', async () => {
    expect(await ping(`redis://:s3cret@127.0.0.1:${redis.port}`)).toBe('PONG');
    expect(await ping(`redis://127.0.0.1:${redis.port}`)).toMatch(/NOAUTH|Authentication required/);
    process.env.REDISCLI_AUTH = 's3cret';
    try {
      expect(await ping(`redis://127.0.0.1:${redis.port}`)).toBe('PONG');
      // the URL's password wins over the environment
      expect(await ping(`redis://:wrong@127.0.0.1:${redis.port}`)).toMatch(/WRONGPASS|invalid password/);
    } finally {
      delete process.env.REDISCLI_AUTH;
    }
  });
});
