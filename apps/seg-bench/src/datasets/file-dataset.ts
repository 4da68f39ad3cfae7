import { IGNORE_LABEL, type Sample, type SkippedFile } from './dataset.js';
import { DataFileError, readJpeg, readLabelPng, resizeImage, resizeLabels } from './image-io.js';

export interface FilePair {
  readonly id: string;
  readonly image: string;
  readonly label: string;
}

/**
 * Reads image/label pairs, resized to a square imageSize. A pair whose files are missing,
 * corrupt, of different sizes or with labels outside 0..numClasses-1 (and not IGNORE_LABEL)
 * fails with an error naming the file, or is skipped and recorded when skipBad is set.
 */
export function readPairs(
  pairs: readonly FilePair[],
  options: { imageSize: number; numClasses: number; skipBad: boolean; limit?: number | undefined },
  skipped: SkippedFile[],
): Sample[] {
  const samples: Sample[] = [];
  for (const pair of pairs) {
    if (options.limit !== undefined && samples.length >= options.limit) break;
    try {
      samples.push(readPair(pair, options.imageSize, options.numClasses));
    } catch (error) {
      if (!(error instanceof DataFileError) || !options.skipBad) throw error;
      skipped.push({ file: error.file, reason: error.message });
    }
  }
  return samples;
}

function readPair(pair: FilePair, imageSize: number, numClasses: number): Sample {
  const image = readJpeg(pair.image);
  const label = readLabelPng(pair.label);
  if (label.width !== image.width || label.height !== image.height) {
    throw new DataFileError(
      pair.label,
      `label map is ${label.width}x${label.height} but its image ${pair.image} is ${image.width}x${image.height}`,
    );
  }
  for (let p = 0; p < label.labels.length; p++) {
    const value = label.labels[p]!;
    if (value >= numClasses && value !== IGNORE_LABEL) {
      throw new DataFileError(
        pair.label,
        `pixel ${p} has class ${value}; expected 0..${numClasses - 1} or ${IGNORE_LABEL} (ignore)`,
      );
    }
  }
  return {
    id: pair.id,
    image: resizeImage(image, imageSize),
    label: resizeLabels(label.labels, label.width, label.height, imageSize),
  };
}
