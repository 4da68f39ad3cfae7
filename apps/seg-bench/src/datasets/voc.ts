import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetOptions, SegmentationDataset, SkippedFile } from './dataset.js';
import { type FilePair, readPairs } from './file-dataset.js';

export const VOC_CLASSES = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
] as const;

/** Accepts VOC2012 itself or a folder above it (VOCdevkit/VOC2012 as the archive unpacks). */
function findVocRoot(dataDir: string): string {
  const candidates = [dataDir, join(dataDir, 'VOC2012'), join(dataDir, 'VOCdevkit', 'VOC2012')];
  const root = candidates.find((dir) => existsSync(join(dir, 'ImageSets', 'Segmentation')));
  if (!root) {
    throw new Error(
      `--data-dir ${dataDir} is not a Pascal VOC 2012 directory: expected ImageSets/Segmentation/{train,val}.txt, ` +
        'JPEGImages/ and SegmentationClass/ in it (or in VOC2012/ or VOCdevkit/VOC2012/ below it)',
    );
  }
  return root;
}

export function readIdList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: split list is missing (one image id per line expected)`);
  }
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const id = raw.trim();
    if (id.length === 0) return;
    checkId(id, `${file}:${index + 1}`);
    ids.push(id);
  });
  return ids;
}

/**
 * An image id names files inside the dataset folders (<dir>/JPEGImages/<id>.jpg): it may not
 * hold a path separator or a NUL, so no list can make the loader read outside the dataset
 * (`../../outside/x`) or an absolute path.
 */
export function checkId(id: string, where: string): void {
  if (/[/\\\0]/.test(id) || id === '.' || id === '..') {
    throw new Error(`${where}: image id '${id}' is not a plain file name (no / or \\): ids must stay inside the dataset folder`);
  }
}

export function loadVoc(options: DatasetOptions): SegmentationDataset {
  if (!options.dataDir) throw new Error('--dataset voc needs --data-dir <path to VOC2012>');
  const root = findVocRoot(options.dataDir);
  const pairs = (split: string): FilePair[] =>
    readIdList(join(root, 'ImageSets', 'Segmentation', `${split}.txt`)).map((id) => ({
      id,
      image: join(root, 'JPEGImages', `${id}.jpg`),
      label: join(root, 'SegmentationClass', `${id}.png`),
    }));
  const skipped: SkippedFile[] = [];
  const read = (split: string, limit: number | undefined) =>
    readPairs(
      pairs(split),
      { imageSize: options.imageSize, numClasses: VOC_CLASSES.length, skipBad: options.skipBad ?? false, limit },
      skipped,
    );
  const train = read('train', options.trainImages);
  const val = read('val', options.valImages);
  return { name: 'voc', classNames: VOC_CLASSES, imageSize: options.imageSize, train, val, skipped };
}
