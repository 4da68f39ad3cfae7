/** A browser has no file paths: checkpoints go through bytes (exportModel / fromCheckpoint). */
const noFiles = (what: string) =>
  Promise.reject(
    new Error(
      `${what} needs a file system (Node); in a browser use trainer.exportModel() for the bytes and Trainer.fromCheckpoint(bytes, options) to read them`,
    ),
  );

export const readBytes = (_path: string): Promise<Uint8Array> => noFiles('Trainer.load(path)');
export const writeBytes = (_path: string, _bytes: Uint8Array): Promise<void> => noFiles('trainer.save(path)');
