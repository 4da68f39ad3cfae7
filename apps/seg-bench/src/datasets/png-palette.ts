import { crc32, deflateSync } from 'node:zlib';

/**
 * Encodes an 8-bit palette PNG (colour type 3), the format of VOC's SegmentationClass label
 * maps: each pixel byte is a class index, the PLTE chunk gives its colour. pngjs only writes
 * truecolour PNGs, hence this small encoder.
 */
export function encodePalettePng(width: number, height: number, indices: Uint8Array, palette: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, filter 0, no interlace
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter type None
    raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', Buffer.from(palette)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, tail]);
}

/** The Pascal VOC colour map: index i -> colour built from the bits of i (VOCdevkit's labelcolormap). */
export function vocPalette(entries = 256): Uint8Array {
  const palette = new Uint8Array(3 * entries);
  for (let i = 0; i < entries; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let bit = 0, c = i; bit < 8; bit++, c >>= 3) {
      r |= ((c >> 0) & 1) << (7 - bit);
      g |= ((c >> 1) & 1) << (7 - bit);
      b |= ((c >> 2) & 1) << (7 - bit);
    }
    palette.set([r, g, b], 3 * i);
  }
  return palette;
}
