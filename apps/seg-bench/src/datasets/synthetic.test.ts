import { describe, expect, it } from 'vitest';
import { SYNTHETIC_CLASSES, loadSynthetic, renderScene } from './synthetic.js';

describe('synthetic scenes', () => {
  it('are a pure function of the seed', () => {
    expect(renderScene(7, 24)).toEqual(renderScene(7, 24));
    expect(renderScene(7, 24).image).not.toEqual(renderScene(8, 24).image);
  });

  it('hold every class, background most, the rare bar least (class imbalance)', () => {
    const dataset = loadSynthetic({ imageSize: 32, trainImages: 64, valImages: 8 });
    const counts = new Array<number>(SYNTHETIC_CLASSES.length).fill(0);
    for (const s of dataset.train) for (const label of s.label) counts[label]!++;
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(Math.max(...counts)).toBe(counts[0]);
    expect(Math.min(...counts)).toBe(counts[4]);
  });

  it('differs between splits and data seeds, with noisy textured pixels', () => {
    const a = loadSynthetic({ imageSize: 16, trainImages: 2, valImages: 2 });
    const b = loadSynthetic({ imageSize: 16, trainImages: 2, valImages: 2, dataSeed: 1 });
    expect(a.train[0]!.image).not.toEqual(a.val[0]!.image);
    expect(a.train[0]!.image).not.toEqual(b.train[0]!.image);
    expect(new Set(a.train[0]!.image).size).toBeGreaterThan(50);
  });
});
