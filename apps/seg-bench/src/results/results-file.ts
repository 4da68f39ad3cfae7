import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROW_SETTINGS, type ResultRow, rowKey } from '../run/run-spec.js';

/** Reads a results file: one JSON row per line. A half-written last line (a killed writer) is ignored. */
export function readResults(path: string): { rows: ResultRow[]; completeBytes: number } {
  if (!existsSync(path)) return { rows: [], completeBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const completeBytes = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  const rows: ResultRow[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line) as ResultRow);
    } catch {
      throw new Error(`${path}:${index + 1}: not a JSON results row; move the file away or repair that line`);
    }
  });
  return { rows, completeBytes };
}

/**
 * The append-only results file of a benchmark. Rows are keyed by their identity
 * (experiment, model, dataset, backend, seed, epoch): a key already present is never written
 * again, so an interrupted invocation rerun with the same options only adds what is missing.
 * Each row is written with one write and fsync'd before the next.
 */
export class ResultsFile {
  private readonly keys = new Set<string>();
  private readonly fd: number;
  private size: number;
  readonly rows: ResultRow[];

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const { rows, completeBytes } = readResults(path);
    this.rows = rows;
    for (const row of rows) this.keys.add(rowKey(row));
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    // drop a torn last line so the next row starts on a line of its own
    ftruncateSync(this.fd, completeBytes);
    this.size = completeBytes;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Fails when the file holds rows of the same runs made with other settings. */
  checkCompatible(settings: Pick<ResultRow, (typeof ROW_SETTINGS)[number] | 'dataset' | 'backend'>): void {
    const clash = this.rows.find(
      (row) =>
        row.dataset === settings.dataset &&
        row.backend === settings.backend &&
        ROW_SETTINGS.some((name) => row[name] !== settings[name]),
    );
    if (!clash) return;
    const differing = ROW_SETTINGS.filter((name) => clash[name] !== settings[name])
      .map((name) => `${name} ${clash[name]} there, ${settings[name]} now`)
      .join('; ');
    throw new Error(
      `${this.path} already holds ${clash.dataset}/${clash.backend} rows made with other settings (${differing}); ` +
        'pass another --out to start a new results file, or the same options to resume',
    );
  }

  /** Appends the row unless its key is present; returns whether it was written. */
  append(row: ResultRow): boolean {
    const key = rowKey(row);
    if (this.keys.has(key)) return false;
    const line = Buffer.from(`${JSON.stringify(row)}\n`);
    writeSync(this.fd, line, 0, line.length, this.size);
    this.size += line.length;
    fsyncSync(this.fd);
    this.keys.add(key);
    this.rows.push(row);
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }
}
