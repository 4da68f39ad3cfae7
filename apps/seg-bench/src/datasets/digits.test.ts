import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../args.js';
import { DIGIT_CLASSES, loadDigits, renderDigitScene } from './digits.js';

describe('digit scenes (real MNIST handwriting)', () => {
  it('are a pure function of (seed, split)', () => {
    expect(renderDigitScene(7, 32, 'train')).toEqual(renderDigitScene(7, 32, 'train'));
    expect(renderDigitScene(7, 32, 'train').label).not.toEqual(renderDigitScene(8, 32, 'train').label);
    // the same seed draws its digits from disjoint sample ranges per split
    expect(renderDigitScene(7, 32, 'train').image).not.toEqual(renderDigitScene(7, 32, 'val').image);
  });

  it('hold every digit class, with background the largest', () => {
    const dataset = loadDigits({ imageSize: 32, trainImages: 96, valImages: 8 });
    expect(dataset.classNames).toEqual(DIGIT_CLASSES);
    const counts = new Array<number>(DIGIT_CLASSES.length).fill(0);
    for (const s of dataset.train) for (const label of s.label) counts[label]!++;
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(Math.max(...counts)).toBe(counts[0]);
    // digits are real strokes: a few percent of the pixels each, not empty boxes
    const digitShare = 1 - counts[0]! / (96 * 32 * 32);
    expect(digitShare).toBeGreaterThan(0.05);
    expect(digitShare).toBeLessThan(0.5);
  });

  it('label a pixel with a digit only where the image shows ink brighter than its surroundings', () => {
    const size = 48;
    const pixels = size * size;
    let inkBrightness = 0;
    let inkCount = 0;
    let backgroundBrightness = 0;
    let backgroundCount = 0;
    for (const s of loadDigits({ imageSize: size, trainImages: 16, valImages: 1 }).train) {
      for (let i = 0; i < pixels; i++) {
        const brightness = s.image[i]! + s.image[pixels + i]! + s.image[2 * pixels + i]!;
        if (s.label[i] === 0) {
          backgroundBrightness += brightness;
          backgroundCount++;
        } else {
          inkBrightness += brightness;
          inkCount++;
        }
      }
    }
    expect(inkBrightness / inkCount).toBeGreaterThan(backgroundBrightness / backgroundCount + 150);
  });

  it('differ between data seeds', () => {
    const a = loadDigits({ imageSize: 16, trainImages: 2, valImages: 2 });
    const b = loadDigits({ imageSize: 16, trainImages: 2, valImages: 2, dataSeed: 1 });
    expect(a.train[0]!.image).not.toEqual(b.train[0]!.image);
  });

  it('is chosen with --dataset digits and, being embedded, takes no --data-dir', () => {
    expect(parseCommandLine(['--dataset', 'digits'])).toMatchObject({ dataset: 'digits' });
    expect(() => parseCommandLine(['--dataset', 'digits', '--data-dir', '/tmp'])).toThrow(/digits dataset is embedded/);
  });
});
