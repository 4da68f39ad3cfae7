import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
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

/**
 * Decoded images are capped before decoding: a small file can claim a huge size (a 381 KB
 * palette PNG saying 20000 x 20000 decodes to 1.6 GB of RGBA), so the size in the header is
 * checked first. 40 megapixels is far above any segmentation dataset (VOC: 500 x 500 at most).
 */
export const MAX_IMAGE_PIXELS = 40_000_000;
export const MAX_IMAGE_SIDE = 16_384;

const KINDS: readonly [(s: import('node:fs').Stats) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isFIFO(), 'a FIFO (named pipe)'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
];

/**
 * Reads a whole file that must be a regular file. It is opened non-blocking and checked with
 * fstat before reading, so a FIFO or a device under an image's name fails at once instead of
 * blocking the loader forever (and there is no gap between the check and the read).
 */
function readBytes(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(file, code === 'ENOENT' ? 'file is missing' : `cannot read (${code ?? String(error)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = KINDS.find(([is]) => is(stat))?.[1] ?? 'not a plain file';
      throw new DataFileError(file, `not a regular file (${kind}); images and label maps must be regular files`);
    }
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    closeSync(fd);
  }
}

/** Width and height from a PNG's IHDR chunk (bytes 16..23), without decoding. */
function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): 0xC0..0xCF except DHT, JPG, DAC. */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Width and height from a JPEG's frame header, walking the marker segments before the scan. */
function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image / start of scan before any frame
    const length = bytes.readUInt16BE(offset + 2);
    if (SOF_MARKERS.has(marker)) {
      if (offset + 9 > bytes.length) return undefined;
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** Refuses an image whose header claims more than the caps, before any decoding. */
function checkSize(file: string, size: { width: number; height: number } | undefined, format: string): void {
  if (size === undefined) return; // the decoder reports a broken header in its own words
  const { width, height } = size;
  if (width === 0 || height === 0) throw new DataFileError(file, `${format} header says ${width}x${height}: an empty image`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new DataFileError(
      file,
      `${format} header says ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels), over the cap of ` +
        `${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_PIXELS / 1e6} megapixels; not decoded`,
    );
  }
}

export function readJpeg(file: string): RgbImage {
  const bytes = readBytes(file);
  checkSize(file, jpegSize(bytes), 'JPEG');
  try {
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxMemoryUsageInMB: 1024,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    });
    return { width: decoded.width, height: decoded.height, rgba: decoded.data };
  } catch (error) {
    throw new DataFileError(file, `not a readable JPEG (${(error as Error).message})`);
  }
}

/** Reads a label PNG as class indices: palette PNGs by palette index, grey PNGs by grey value. */
export function readLabelPng(file: string): { width: number; height: number; labels: Uint8Array } {
  const bytes = readBytes(file);
  checkSize(file, pngSize(bytes), 'PNG');
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
