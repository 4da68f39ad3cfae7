import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { deriveSeed } from '../rng.js';
import type { DatasetOptions, SegmentationDataset, SkippedFile } from './dataset.js';
import { type FilePair, readPairs } from './file-dataset.js';
import { readIdList } from './voc.js';

/** ATR human parsing (Liang et al. 2015): 17 body-part and clothing classes plus background. */
export const ATR_CLASSES = [
  'background',
  'hat',
  'hair',
  'sunglasses',
  'upper-clothes',
  'skirt',
  'pants',
  'dress',
  'belt',
  'left-shoe',
  'right-shoe',
  'face',
  'left-leg',
  'right-leg',
  'left-arm',
  'right-arm',
  'bag',
  'scarf',
] as const;

/** Label folder names in the order they are tried (the public "humanparsing" archive uses the first). */
const LABEL_DIRS = ['SegmentationClassAug', 'SegmentationClass'];

/**
 * Layout (as the public humanparsing archive unpacks): <dir>/JPEGImages/<id>.jpg and
 * <dir>/SegmentationClassAug/<id>.png, label maps holding class indices 0..17 (grey or palette
 * PNG). <dir> may also be the folder above humanparsing/. The archive has no official split:
 * train.txt / val.txt in <dir> are used when present, otherwise every image id goes to
 * validation when deriveSeed(0, 'atr', id) % 10 == 0 (about 10%, stable as files come and go).
 */
function findAtrRoot(dataDir: string): { root: string; labelDir: string } {
  for (const root of [dataDir, join(dataDir, 'humanparsing')]) {
    const labelDir = LABEL_DIRS.find((name) => existsSync(join(root, name)));
    if (existsSync(join(root, 'JPEGImages')) && labelDir) return { root, labelDir };
  }
  throw new Error(
    `--data-dir ${dataDir} is not an ATR directory: expected JPEGImages/*.jpg and SegmentationClassAug/*.png ` +
      '(or SegmentationClass/) in it or in humanparsing/ below it',
  );
}

export function atrSplit(root: string): { train: string[]; val: string[] } {
  if (existsSync(join(root, 'train.txt')) && existsSync(join(root, 'val.txt'))) {
    return { train: readIdList(join(root, 'train.txt')), val: readIdList(join(root, 'val.txt')) };
  }
  const ids = readdirSync(join(root, 'JPEGImages'))
    .filter((name) => extname(name).toLowerCase() === '.jpg')
    .map((name) => basename(name, extname(name)))
    .sort();
  const isVal = (id: string) => deriveSeed(0, 'atr', id) % 10 === 0;
  return { train: ids.filter((id) => !isVal(id)), val: ids.filter(isVal) };
}

export function loadAtr(options: DatasetOptions): SegmentationDataset {
  if (!options.dataDir) throw new Error('--dataset atr needs --data-dir <path to the ATR humanparsing folder>');
  const { root, labelDir } = findAtrRoot(options.dataDir);
  const split = atrSplit(root);
  const skipped: SkippedFile[] = [];
  const read = (ids: string[], limit: number | undefined) =>
    readPairs(
      ids.map((id): FilePair => ({ id, image: join(root, 'JPEGImages', `${id}.jpg`), label: join(root, labelDir, `${id}.png`) })),
      { imageSize: options.imageSize, numClasses: ATR_CLASSES.length, skipBad: options.skipBad ?? false, limit },
      skipped,
    );
  const train = read(split.train, options.trainImages);
  const val = read(split.val, options.valImages);
  return { name: 'atr', classNames: ATR_CLASSES, imageSize: options.imageSize, train, val, skipped };
}
