import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { encodePalettePng, vocPalette } from '../src/datasets/png-palette.js';

/**
 * Writes small datasets in the real on-disk formats: baseline JPEG images and PNG label maps
 * (VOC: 8-bit palette PNGs with the VOC colour map and 255-valued borders; ATR: greyscale PNGs
 * holding class indices). Image i has a rectangle of class (i % (classes - 1)) + 1 on background 0,
 * drawn in a colour that survives JPEG compression, so tests can check pixel-exact labels.
 */
export interface FixtureImage {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly labels: Uint8Array;
}

function scene(index: number, width: number, height: number, classes: number, border: boolean): FixtureImage & { rgba: Uint8Array } {
  const labels = new Uint8Array(width * height);
  const rgba = new Uint8Array(width * height * 4);
  const cls = (index % (classes - 1)) + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= width / 4 && x < (3 * width) / 4 && y >= height / 4 && y < (3 * height) / 4;
      const edge = border && inside && (x === Math.floor(width / 4) || y === Math.floor(height / 4));
      labels[y * width + x] = edge ? 255 : inside ? cls : 0;
      rgba.set(inside ? [220, 40, 40, 255] : [30, 30, 200, 255], 4 * (y * width + x));
    }
  }
  return { id: `img_${String(index).padStart(4, '0')}`, width, height, labels, rgba };
}

function writeJpeg(file: string, width: number, height: number, rgba: Uint8Array): void {
  writeFileSync(file, jpeg.encode({ data: Buffer.from(rgba), width, height }, 90).data);
}

export function writeVocFixture(root: string, split: { train: number; val: number }, size = { width: 40, height: 30 }): FixtureImage[] {
  for (const dir of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) mkdirSync(join(root, dir), { recursive: true });
  const images: FixtureImage[] = [];
  const palette = vocPalette();
  const ids = { train: [] as string[], val: [] as string[] };
  for (let i = 0; i < split.train + split.val; i++) {
    const s = scene(i, size.width, size.height, 21, true);
    writeJpeg(join(root, 'JPEGImages', `${s.id}.jpg`), s.width, s.height, s.rgba);
    writeFileSync(join(root, 'SegmentationClass', `${s.id}.png`), encodePalettePng(s.width, s.height, s.labels, palette));
    (i < split.train ? ids.train : ids.val).push(s.id);
    images.push(s);
  }
  writeFileSync(join(root, 'ImageSets/Segmentation/train.txt'), `${ids.train.join('\n')}\n`);
  writeFileSync(join(root, 'ImageSets/Segmentation/val.txt'), `${ids.val.join('\n')}\n`);
  return images;
}

export function writeAtrFixture(root: string, count: number, size = { width: 24, height: 32 }): FixtureImage[] {
  for (const dir of ['JPEGImages', 'SegmentationClassAug']) mkdirSync(join(root, dir), { recursive: true });
  const images: FixtureImage[] = [];
  for (let i = 0; i < count; i++) {
    const s = scene(i, size.width, size.height, 18, false);
    writeJpeg(join(root, 'JPEGImages', `${s.id}.jpg`), s.width, s.height, s.rgba);
    const png = new PNG({ width: s.width, height: s.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
    png.data = Buffer.from(s.labels);
    writeFileSync(join(root, 'SegmentationClassAug', `${s.id}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    images.push(s);
  }
  return images;
}
