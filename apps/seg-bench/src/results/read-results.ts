import type { ResultRow } from '../run/run-spec.js';

/**
 * The one reader of results files (JSON lines), shared by seg-bench (resume, summary) and
 * loss-lab (the seed analysis), so both read every file the same way:
 * - a UTF-8 byte order mark before the first row is skipped;
 * - only lines ending in '\n' count: the writer appends each row and its newline in one write,
 *   so a last line without one is an unfinished append (a killed or disk-full writer) and is
 *   ignored (`tornTail`); the writer truncates it away before appending;
 * - blank lines are skipped;
 * - every other line must be a JSON object with the row identity (experiment, model, dataset,
 *   backend, seed, epoch); anything else (`null`, `123`, `[]`, `{}`, broken JSON) is an error
 *   naming the file and line, never silently dropped or kept.
 */
export interface ParsedResults {
  readonly rows: ResultRow[];
  /** Bytes up to the end of the last complete line (the BOM included): where the next row goes. */
  readonly completeBytes: number;
  /** The text after the last newline, when there is any: an unfinished append that was ignored. */
  readonly tornTail: string | undefined;
}

export class ResultsFormatError extends Error {
  override name = 'ResultsFormatError';
}

const BOM = '\uFEFF';

/** Identity fields every row has, with the check its value must pass. */
const IDENTITY_FIELDS: readonly { readonly name: keyof ResultRow; readonly ok: (v: unknown) => boolean; readonly expected: string }[] = [
  { name: 'experiment', ok: (v) => typeof v === 'string' && v !== '', expected: 'a non-empty string' },
  { name: 'model', ok: (v) => typeof v === 'string' && v !== '', expected: 'a non-empty string' },
  { name: 'dataset', ok: (v) => typeof v === 'string' && v !== '', expected: 'a non-empty string' },
  { name: 'backend', ok: (v) => typeof v === 'string' && v !== '', expected: 'a non-empty string' },
  { name: 'seed', ok: (v) => Number.isSafeInteger(v) && (v as number) >= 0, expected: 'a whole number >= 0' },
  { name: 'epoch', ok: (v) => Number.isSafeInteger(v) && (v as number) >= 1, expected: 'a whole number >= 1' },
];

const describeValue = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;

function checkRow(value: unknown, where: string): ResultRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ResultsFormatError(`${where}: not a results row: expected a JSON object, found ${describeValue(value)}`);
  }
  const row = value as Record<string, unknown>;
  for (const field of IDENTITY_FIELDS) {
    if (!Object.hasOwn(row, field.name)) {
      throw new ResultsFormatError(`${where}: not a results row: field '${field.name}' is missing (each line is one run after one epoch)`);
    }
    if (!field.ok(row[field.name])) {
      throw new ResultsFormatError(`${where}: field '${field.name}' is ${describeValue(row[field.name])}; expected ${field.expected}`);
    }
  }
  return row as unknown as ResultRow;
}

/** Parses the text of a results file; `source` names it in errors. */
export function parseResultsText(text: string, source: string): ParsedResults {
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const end = body.lastIndexOf('\n') + 1;
  const tail = body.slice(end);
  const rows: ResultRow[] = [];
  const lines = body.slice(0, end).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ResultsFormatError(`${where}: not a JSON results row (${(error as Error).message}); move the file away or repair that line`);
    }
    rows.push(checkRow(value, where));
  });
  const completeBytes = Buffer.byteLength(text.slice(0, text.length - tail.length));
  return { rows, completeBytes, tornTail: tail === '' ? undefined : tail };
}
