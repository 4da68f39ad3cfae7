import { UsageError } from '../args.js';

/** A Redis server to reach: the URL as given and as it may be shown (password hidden). */
export interface RedisTarget {
  readonly url: string;
  readonly shown: string;
  readonly tls: boolean;
}

const SCHEMES: Readonly<Record<string, boolean>> = { 'redis:': false, 'rediss:': true };
const FORM = 'redis://[user:password@]host[:port][/db] (rediss:// for TLS)';

/** The URL as written, with `***` for the password (`scheme://user:password@host`). */
const hidePassword = (text: string) => text.replace(/^([^/]*\/\/[^:@/]*):[^@/]*@/, '$1:***@').replace(/^([^/]*):[^@/]*@/, '$1:***@');

/** Parses `--queue URL`; the password never appears in messages (`shown` has `***` instead). */
export function parseRedisUrl(flag: string, text: string): RedisTarget {
  const shown = hidePassword(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} ${shown}: not a URL; expected ${FORM}`);
  }
  const tls = SCHEMES[url.protocol];
  if (tls === undefined) throw new UsageError(`${flag} ${shown}: the scheme is ${url.protocol.slice(0, -1)}; expected ${FORM}`);
  if (url.hostname === '') throw new UsageError(`${flag} ${shown}: no host; expected ${FORM}`);
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
    throw new UsageError(`${flag} ${shown}: the path ${url.pathname} is not a database number; expected ${FORM}`);
  }
  return { url: text, shown, tls };
}
