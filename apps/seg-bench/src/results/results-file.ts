import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RUN_IDENTITY, type ResultRow, type RunIdentity, rowKey } from '../run/run-spec.js';
import { FileLock } from './file-lock.js';
import { ResultsIoError, io, ioError } from './io-error.js';
import { type ParsedResults, parseResultsText } from './read-results.js';

/** Reads a results file with the shared reader (see read-results.ts); a missing file has no rows. */
export function readResults(path: string): ParsedResults {
  if (!existsSync(path)) return { rows: [], completeBytes: 0, tornTail: undefined };
  return parseResultsText(
    io(path, 'read the results file', () => readFileSync(path, 'utf8')),
    path,
  );
}

const show = (value: unknown) => (value === undefined ? 'unrecorded (an older seg-bench wrote it)' : JSON.stringify(value));

/**
 * The append-only results file of a benchmark, held under an exclusive lock (`<file>.lock`) for
 * as long as it is open. Rows are keyed by their identity (experiment, model, dataset, backend,
 * seed, epoch): a key already present is never written again, so an interrupted invocation rerun
 * with the same options only adds what is missing.
 *
 * Each row goes out as one write of the whole line at the end of the last complete row, then an
 * fsync. A write that fails or comes back short (a full disk) is undone: the file is truncated
 * back to its last complete row and a one-line ResultsIoError says why, so the file never holds
 * a torn row, and a rerun resumes from it.
 */
export class ResultsFile {
  private readonly keys = new Set<string>();
  private readonly fd: number;
  private readonly lock: FileLock;
  private size: number;
  /** Set by a failed append (later appends repeat it) or by close. */
  private stopped: ResultsIoError | undefined;
  readonly rows: ResultRow[];
  /** A process that exits without close() (Ctrl-C, an error) still leaves no lock behind. */
  private readonly releaseOnExit = () => this.lock.release();

  constructor(readonly path: string) {
    io(path, 'create its directory', () => mkdirSync(dirname(path), { recursive: true }));
    const stat = io(path, 'read the results file', () => statSync(path, { throwIfNoEntry: false }));
    if (stat?.isDirectory()) throw ioError(path, 'open the results file', Object.assign(new Error(), { code: 'EISDIR' }));
    if (stat && !stat.isFile()) throw new ResultsIoError(`${path}: cannot open the results file: it is not a regular file`, 'ENOTREG');
    this.lock = FileLock.acquire(path);
    try {
      const { rows, completeBytes } = readResults(path);
      this.rows = rows;
      for (const row of rows) this.keys.add(rowKey(row));
      this.fd = io(path, 'open the results file for writing', () => openSync(path, existsSync(path) ? 'r+' : 'w+'));
      // drop a torn last line so the next row starts on a line of its own
      io(path, 'truncate a torn last line', () => ftruncateSync(this.fd, completeBytes));
      this.size = completeBytes;
      process.on('exit', this.releaseOnExit);
    } catch (error) {
      this.lock.release();
      throw error;
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /**
   * Fails when the file holds rows made with other settings than `identity`: per (dataset,
   * backend) every setting but the loss must agree, and per experiment the loss behind it (so a
   * changed --loss formula under the same custom:1 key is caught). The error names the option.
   */
  checkCompatible(identity: RunIdentity & { readonly dataset: string; readonly backend: string; readonly experiment?: string }): void {
    this.rows.forEach((row, index) => {
      if (row.dataset !== identity.dataset || row.backend !== identity.backend) return;
      for (const setting of RUN_IDENTITY) {
        if (setting.perExperiment && row.experiment !== identity.experiment) continue;
        const there = (row as unknown as Record<string, unknown>)[setting.field];
        const now = identity[setting.field];
        if (there === now) continue;
        throw new ResultsIoError(
          `${this.path} holds ${row.dataset}/${row.backend} rows made with other settings: ${setting.flag} ${show(there)} there ` +
            `(row ${index + 1}: experiment ${row.experiment} ${row.model} seed ${row.seed}), ${show(now)} now. ` +
            'Rerun with the same options to resume, or pass another --out (or --fresh to start over)',
          'EMISMATCH',
        );
      }
    });
  }

  /** Appends the row unless its key is present; returns whether it was written. */
  append(row: ResultRow): boolean {
    if (this.stopped) throw this.stopped;
    const key = rowKey(row);
    if (this.keys.has(key)) return false;
    const line = Buffer.from(`${JSON.stringify(row)}\n`);
    let written = 0;
    try {
      written = writeSync(this.fd, line, 0, line.length, this.size);
      if (written !== line.length) {
        throw Object.assign(new Error(`short write: ${written} of ${line.length} bytes`), { code: 'ENOSPC' });
      }
      fsyncSync(this.fd);
    } catch (error) {
      this.undo();
      // rows still arriving from other workers are refused with the same error: the run stops here
      this.stopped = ioError(
        this.path,
        'append a row',
        error,
        `the file was truncated back to its last complete row (${this.rows.length} rows); rerun the same command to resume`,
      );
      throw this.stopped;
    }
    this.size += line.length;
    this.keys.add(key);
    this.rows.push(row);
    return true;
  }

  /** Cuts off whatever part of a failed row reached the file. */
  private undo(): void {
    try {
      ftruncateSync(this.fd, this.size);
      fsyncSync(this.fd);
    } catch {
      // truncating never needs space; if even this fails the reader still ignores the torn tail
    }
  }

  close(): void {
    if (this.stopped?.code === 'ECLOSED') return;
    this.stopped = new ResultsIoError(`${this.path}: the results file is closed; no row can be appended`, 'ECLOSED');
    process.off('exit', this.releaseOnExit);
    try {
      closeSync(this.fd);
    } finally {
      this.lock.release();
    }
  }
}
