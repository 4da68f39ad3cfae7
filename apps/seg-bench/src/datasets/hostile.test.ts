import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { writeVocFixture } from '../../test/fixtures.js';
import { readLabelPng } from './image-io.js';
import { encodePalettePng } from './png-palette.js';
import { loadVoc } from './voc.js';

let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = '';
});
const fresh = (): string => (root = mkdtempSync(join(tmpdir(), 'hostile-')));

describe('loaders on hostile files', () => {
  it('refuses a PNG bomb from its header, before decoding', () => {
    // a 1-bit palette PNG claiming 20000 x 20000: 50 MB of zero rows deflate to ~50 KB
    const png = encodePalettePng(1, 1, new Uint8Array(1), new Uint8Array([0, 0, 0]));
    const header = Buffer.from(png);
    header.writeUInt32BE(20000, 16);
    header.writeUInt32BE(20000, 20);
    const file = join(fresh(), 'bomb.png');
    writeFileSync(file, Buffer.concat([header.subarray(0, 33), deflateSync(Buffer.alloc(20000 * 2501))]));
    const started = performance.now();
    expect(() => readLabelPng(file)).toThrow(`${file}: PNG header says 20000x20000 (400.0 megapixels), over the cap`);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a FIFO named <id>.jpg at once instead of blocking', () => {
    const images = writeVocFixture(fresh(), { train: 2, val: 1 }, { width: 16, height: 16 });
    const fifo = join(root, 'JPEGImages', `${images[0]!.id}.jpg`);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    expect(() => loadVoc({ dataDir: root, imageSize: 8 })).toThrow(`${fifo}: not a regular file (a FIFO (named pipe))`);
    expect(loadVoc({ dataDir: root, imageSize: 8, skipBad: true }).skipped).toHaveLength(1);
  });

  it('keeps ids inside the dataset folder', () => {
    writeVocFixture(join(fresh(), 'voc'), { train: 2, val: 1 }, { width: 16, height: 16 });
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'voc', 'ImageSets/Segmentation/train.txt'), 'img_0000\n../../outside/x\n');
    expect(() => loadVoc({ dataDir: join(root, 'voc'), imageSize: 8 })).toThrow(
      "train.txt:2: image id '../../outside/x' is not a plain file name",
    );
  });
});
