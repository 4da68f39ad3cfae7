import { gunzipSync } from 'node:zlib';

/** One regular file of a packed package, its path without the leading `package/`. */
export interface TarballFile {
  readonly path: string;
  readonly data: Buffer;
}

const BLOCK = 512;

/** A NUL-terminated ASCII field of a tar header. */
function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** `path=...` from a pax extended header (records are `<len> <key>=<value>\n`). */
function paxPath(body: Buffer): string | undefined {
  for (const record of body.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * The regular files of a `.tgz` made by `npm pack` / `pnpm pack` (ustar, with pax or GNU headers for
 * long names). Paths drop the first component (`package/`), as npm does when it installs.
 */
export function readTarball(gzipped: Uint8Array): TarballFile[] {
  const tar = gunzipSync(gzipped);
  const files: TarballFile[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // two zero blocks end the archive
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = field(header, 156, 1);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'L') {
      // pax extended header (npm, pnpm) or GNU long-name block (GNU tar) naming the next entry
      longName = type === 'x' ? paxPath(body) : field(body, 0, body.length);
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '') files.push({ path: name.replace(/^[^/]+\//, ''), data: Buffer.from(body) });
  }
  return files;
}
