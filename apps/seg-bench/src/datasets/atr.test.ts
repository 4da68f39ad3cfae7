import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtrFixture } from '../../test/fixtures.js';
import { ATR_CLASSES, atrSplit, loadAtr } from './atr.js';

let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = '';
});
const fresh = (): string => (root = mkdtempSync(join(tmpdir(), 'atr-')));

describe('ATR loader', () => {
  it('has the 18 ATR classes', () => {
    expect(ATR_CLASSES).toHaveLength(18);
  });

  it('splits by a stable hash of the id without lists, and follows train.txt / val.txt when present', () => {
    const images = writeAtrFixture(fresh(), 30);
    const split = atrSplit(root);
    expect([...split.train, ...split.val].sort()).toEqual(images.map((s) => s.id));
    expect(split.val.length).toBeGreaterThan(0);
    expect(split.val.length).toBeLessThan(10);
    writeFileSync(join(root, 'train.txt'), 'img_0001\nimg_0002\n');
    writeFileSync(join(root, 'val.txt'), 'img_0003\n');
    expect(atrSplit(root)).toEqual({ train: ['img_0001', 'img_0002'], val: ['img_0003'] });
  });

  it('reads greyscale label maps as class indices, resized by nearest neighbour', () => {
    const images = writeAtrFixture(join(fresh(), 'humanparsing'), 12);
    writeFileSync(join(root, 'humanparsing', 'train.txt'), `${images.slice(0, 10).map((s) => s.id).join('\n')}\n`);
    writeFileSync(join(root, 'humanparsing', 'val.txt'), `${images.slice(10).map((s) => s.id).join('\n')}\n`);
    const dataset = loadAtr({ dataDir: root, imageSize: 16, trainImages: 8 });
    expect(dataset.train).toHaveLength(8);
    expect(dataset.val).toHaveLength(2);
    const sample = dataset.train[5]!; // image 5: class 6
    expect(sample.label[8 * 16 + 8]).toBe(6);
    expect(new Set(sample.label)).toEqual(new Set([0, 6]));
  });

  it('rejects a label outside 0..17, naming the file and the pixel', () => {
    const images = writeAtrFixture(fresh(), 3);
    const png = new PNG({ width: 24, height: 32, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    png.data = Buffer.alloc(24 * 32, 40);
    const bad = join(root, 'SegmentationClassAug', `${images[0]!.id}.png`);
    writeFileSync(bad, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    writeFileSync(join(root, 'train.txt'), `${images[0]!.id}\n${images[1]!.id}\n`);
    writeFileSync(join(root, 'val.txt'), `${images[2]!.id}\n`);
    expect(() => loadAtr({ dataDir: root, imageSize: 8 })).toThrow(`${bad}: pixel 0 has class 40; expected 0..17 or 255 (ignore)`);
    expect(loadAtr({ dataDir: root, imageSize: 8, skipBad: true }).skipped).toHaveLength(1);
  });
});
