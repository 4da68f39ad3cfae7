import { type Random, createRandom, deriveSeed } from '../rng.js';
import type { DatasetOptions, Sample, SegmentationDataset } from './dataset.js';

/**
 * Procedural scenes: shapes of four classes over a textured background, drawn back to front
 * so later shapes occlude earlier ones, then pixel noise. Classes are imbalanced on purpose
 * (discs are common and large, bars rare and thin) and two classes share a hue, so colour
 * alone does not separate them. Every scene is a pure function of (data seed, split, index).
 */
export const SYNTHETIC_CLASSES = ['background', 'disc', 'square', 'triangle', 'bar'] as const;

interface ShapeClass {
  readonly label: number;
  /** Relative frequency among drawn shapes (class imbalance). */
  readonly weight: number;
  /** Radius range as a fraction of the image side. */
  readonly radius: readonly [number, number];
  /** Base colour; each shape jitters it. */
  readonly color: readonly [number, number, number];
  readonly inside: (dx: number, dy: number, radius: number, angle: number) => boolean;
}

const rotate = (dx: number, dy: number, angle: number): [number, number] => [
  dx * Math.cos(angle) + dy * Math.sin(angle),
  -dx * Math.sin(angle) + dy * Math.cos(angle),
];

const SHAPES: readonly ShapeClass[] = [
  { label: 1, weight: 0.45, radius: [0.1, 0.22], color: [200, 60, 50], inside: (dx, dy, r) => dx * dx + dy * dy <= r * r },
  {
    label: 2,
    weight: 0.3,
    radius: [0.08, 0.18],
    color: [190, 80, 60], // close to the disc's hue: shape must be learned
    inside: (dx, dy, r, a) => {
      const [u, v] = rotate(dx, dy, a);
      return Math.abs(u) <= r && Math.abs(v) <= r;
    },
  },
  {
    label: 3,
    weight: 0.17,
    radius: [0.08, 0.16],
    color: [60, 170, 70],
    inside: (dx, dy, r, a) => {
      // equilateral triangle: inside all three half-planes at distance r/2 from the centre
      const [u, v] = rotate(dx, dy, a);
      for (let k = 0; k < 3; k++) {
        const t = (2 * Math.PI * k) / 3;
        if (u * Math.cos(t) + v * Math.sin(t) > r / 2) return false;
      }
      return true;
    },
  },
  {
    label: 4,
    weight: 0.08,
    radius: [0.15, 0.3],
    color: [60, 80, 200],
    inside: (dx, dy, r, a) => {
      const [u, v] = rotate(dx, dy, a);
      return Math.abs(u) <= r && Math.abs(v) <= r * 0.18;
    },
  },
];

function pickShape(random: Random): ShapeClass {
  let u = random.next();
  for (const shape of SHAPES) {
    if ((u -= shape.weight) < 0) return shape;
  }
  return SHAPES[0]!;
}

export function renderScene(seed: number, size: number): Sample {
  const random = createRandom(seed);
  const pixels = size * size;
  const image = new Float32Array(3 * pixels);
  const label = new Uint8Array(pixels);
  // background: two crossed sinusoidal gratings over a colour gradient
  const base = [random.uniform(70, 150), random.uniform(70, 150), random.uniform(70, 150)];
  const freq = random.uniform(2, 7);
  const phase = random.uniform(0, 2 * Math.PI);
  const tilt = random.uniform(0, Math.PI);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const t = Math.sin(2 * Math.PI * freq * (u * Math.cos(tilt) + v * Math.sin(tilt)) + phase);
      const s = Math.sin(2 * Math.PI * freq * 1.7 * (u * Math.sin(tilt) - v * Math.cos(tilt)));
      for (let c = 0; c < 3; c++) image[c * pixels + y * size + x] = base[c]! + 30 * t + 15 * s + 25 * (u - v) * (c - 1);
    }
  }
  const count = 2 + random.int(4);
  for (let k = 0; k < count; k++) {
    const shape = pickShape(random);
    const radius = random.uniform(shape.radius[0], shape.radius[1]);
    const cx = random.uniform(0.1, 0.9);
    const cy = random.uniform(0.1, 0.9);
    const angle = random.uniform(0, Math.PI);
    const color = shape.color.map((c) => c + random.uniform(-35, 35));
    const shade = random.uniform(-0.4, 0.4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = (x + 0.5) / size - cx;
        const dy = (y + 0.5) / size - cy;
        if (!shape.inside(dx, dy, radius, angle)) continue;
        label[y * size + x] = shape.label;
        const light = 1 + (shade * (dx + dy)) / radius;
        for (let c = 0; c < 3; c++) image[c * pixels + y * size + x] = color[c]! * light;
      }
    }
  }
  const bytes = new Uint8Array(3 * pixels);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round(image[i]! + 18 * random.normal())));
  return { id: `scene-${seed}`, image: bytes, label };
}

/** Scenes per split when no limit is given (--full). */
const SYNTHETIC_SPLIT = { train: 512, val: 128 } as const;

export function loadSynthetic(options: DatasetOptions): SegmentationDataset {
  const dataSeed = options.dataSeed ?? 0;
  const scenes = (split: string, count: number) =>
    Array.from({ length: count }, (_, i) => renderScene(deriveSeed(dataSeed, 'synthetic', split, i), options.imageSize));
  return {
    name: 'synthetic',
    classNames: SYNTHETIC_CLASSES,
    imageSize: options.imageSize,
    train: scenes('train', options.trainImages ?? SYNTHETIC_SPLIT.train),
    val: scenes('val', options.valImages ?? SYNTHETIC_SPLIT.val),
    skipped: [],
  };
}
