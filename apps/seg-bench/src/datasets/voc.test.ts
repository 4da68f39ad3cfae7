import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeVocFixture } from '../../test/fixtures.js';
import { IGNORE_LABEL } from './dataset.js';
import { readLabelPng } from './image-io.js';
import { VOC_CLASSES, loadVoc } from './voc.js';

let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = '';
});
const fresh = (): string => (root = mkdtempSync(join(tmpdir(), 'voc-')));

describe('Pascal VOC loader', () => {
  it('reads palette label PNGs as class indices, 255 kept as ignore', () => {
    const images = writeVocFixture(fresh(), { train: 3, val: 2 });
    const decoded = readLabelPng(join(root, 'SegmentationClass', `${images[1]!.id}.png`));
    expect(decoded.width).toBe(40);
    expect(Array.from(decoded.labels)).toEqual(Array.from(images[1]!.labels));
    expect(decoded.labels).toContain(IGNORE_LABEL);
  });

  it('loads the train/val split resized, labels by nearest neighbour', () => {
    const images = writeVocFixture(fresh(), { train: 3, val: 2 });
    const dataset = loadVoc({ dataDir: root, imageSize: 16 });
    expect(dataset.classNames).toHaveLength(21);
    expect(dataset.classNames).toEqual(VOC_CLASSES);
    expect(dataset.train.map((s) => s.id)).toEqual(images.slice(0, 3).map((s) => s.id));
    expect(dataset.val.map((s) => s.id)).toEqual(images.slice(3).map((s) => s.id));
    const sample = dataset.train[2]!;
    expect(sample.image).toHaveLength(3 * 16 * 16);
    expect(sample.label).toHaveLength(16 * 16);
    // every resized label is one of the source labels of that image: nearest, never blended
    const found = new Set(sample.label);
    expect([...found].every((v) => v === 0 || v === 3 || v === IGNORE_LABEL)).toBe(true);
    expect(found.has(0) && found.has(3)).toBe(true);
    // the centre is the rectangle (red in the JPEG), the corner background (blue)
    const centre = 8 * 16 + 8;
    expect(sample.label[centre]).toBe(3);
    expect(sample.label[0]).toBe(0);
    expect(sample.image[centre]).toBeGreaterThan(150); // R channel
    expect(sample.image[2 * 256 + centre]).toBeLessThan(100); // B channel
    expect(sample.image[2 * 256]).toBeGreaterThan(150);
  });

  it('accepts the folder above VOC2012 (VOCdevkit layout)', () => {
    fresh();
    writeVocFixture(join(root, 'VOCdevkit', 'VOC2012'), { train: 1, val: 1 });
    expect(loadVoc({ dataDir: root, imageSize: 8 }).train).toHaveLength(1);
  });

  it('names a missing or corrupt file, or skips and counts it under skipBad', () => {
    const images = writeVocFixture(fresh(), { train: 3, val: 1 });
    rmSync(join(root, 'JPEGImages', `${images[0]!.id}.jpg`));
    writeFileSync(join(root, 'SegmentationClass', `${images[1]!.id}.png`), 'not a png');
    expect(() => loadVoc({ dataDir: root, imageSize: 8 })).toThrow(`${images[0]!.id}.jpg: file is missing`);
    const dataset = loadVoc({ dataDir: root, imageSize: 8, skipBad: true });
    expect(dataset.train.map((s) => s.id)).toEqual([images[2]!.id]);
    expect(dataset.skipped.map((s) => s.file)).toEqual([
      join(root, 'JPEGImages', `${images[0]!.id}.jpg`),
      join(root, 'SegmentationClass', `${images[1]!.id}.png`),
    ]);
    expect(dataset.skipped[1]!.reason).toMatch(/not a readable PNG/);
  });

  it('says what a VOC directory must contain when it is not one', () => {
    fresh();
    expect(() => loadVoc({ dataDir: root, imageSize: 8 })).toThrow(/ImageSets\/Segmentation\/\{train,val\}\.txt/);
  });
});
