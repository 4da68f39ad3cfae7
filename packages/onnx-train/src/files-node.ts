import { readFile, writeFile } from 'node:fs/promises';

/** Node: checkpoints are files. */
export const readBytes = (path: string): Promise<Uint8Array> => readFile(path);
export const writeBytes = (path: string, bytes: Uint8Array): Promise<void> => writeFile(path, bytes);
