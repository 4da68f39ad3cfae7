import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An error that names the file it is about. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DataFileError';
  }
}

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** [H, W, 4] RGBA bytes as the decoders return them. */
  readonly rgba: Uint8Array;
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file is missing' : `cannot read (${code ?? String(error)})`);
  }
}

export function readJpeg(file: string): RgbImage {
  const bytes = readBytes(file);
  try {
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: decoded.width, height: decoded.height, rgba: decoded.data };
  } catch (error) {
    throw new DataFileError(file, `not a readable JPEG (${(error as Error).message})`);
  }
}

/** Reads a label PNG as class indices: palette PNGs by palette index, grey PNGs by grey value. */
export function readLabelPng(file: string): { width: number; height: number; labels: Uint8Array } {
  const bytes = readBytes(file);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new DataFileError(file, `not a readable PNG (${(error as Error).message})`);
  }
  const palette = pngPalette(bytes);
  const pixels = png.width * png.height;
  const labels = new Uint8Array(pixels);
  if (palette) {
    // pngjs expands palette entries to RGBA; map each colour back to its first palette index.
    const indexOf = new Map<number, number>();
    for (let i = palette.length / 3 - 1; i >= 0; i--) {
      indexOf.set((palette[3 * i]! << 16) | (palette[3 * i + 1]! << 8) | palette[3 * i + 2]!, i);
    }
    for (let p = 0; p < pixels; p++) {
      const key = (png.data[4 * p]! << 16) | (png.data[4 * p + 1]! << 8) | png.data[4 * p + 2]!;
      const index = indexOf.get(key);
      if (index === undefined) throw new DataFileError(file, `pixel ${p} has a colour outside the palette`);
      labels[p] = index;
    }
  } else {
    const colorType = bytes[25];
    if (colorType !== 0 && colorType !== 4) {
      throw new DataFileError(file, 'label PNG must be palette-indexed or greyscale (class index per pixel), found RGB');
    }
    for (let p = 0; p < pixels; p++) labels[p] = png.data[4 * p]!;
  }
  return { width: png.width, height: png.height, labels };
}

/** The PLTE chunk of a palette PNG (colour type 3) as [r,g,b,...], or null for other PNGs. */
function pngPalette(bytes: Buffer): Uint8Array | null {
  if (bytes[25] !== 3) return null;
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (type === 'PLTE') return new Uint8Array(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return null;
}

/** Bilinear resize of RGBA to a square [3, size, size] CHW byte image (pixel centres aligned). */
export function resizeImage(image: RgbImage, size: number): Uint8Array {
  const out = new Uint8Array(3 * size * size);
  const scaleY = image.height / size;
  const scaleX = image.width / size;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), image.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), image.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => image.rgba[4 * (yy * image.width + xx) + c]!;
        const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        out[c * size * size + y * size + x] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of a label map (labels must never be interpolated). */
export function resizeLabels(labels: Uint8Array, width: number, height: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.floor(((y + 0.5) * height) / size), height - 1);
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.floor(((x + 0.5) * width) / size), width - 1);
      out[y * size + x] = labels[sy * width + sx]!;
    }
  }
  return out;
}
