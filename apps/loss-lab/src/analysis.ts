import type { Figure } from './render/figure.js';

/** A small table of numbers shown under the figures (numbers second). */
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** One section of the report. */
export interface Analysis {
  /** kebab-case id, also the folder of its files */
  readonly id: string;
  readonly title: string;
  /** what the analysis computes and how to read it (plain text, paragraphs split by blank lines) */
  readonly summary: string;
  readonly figures: readonly Figure[];
  readonly tables?: readonly Table[];
  /** trusted HTML built by the report (formulas, interactive surfaces) */
  readonly html?: string;
  /** JSON-serialisable data written beside the figures */
  readonly data?: unknown;
  /** further files written into the analysis folder (a static export the html links to) */
  readonly files?: readonly { readonly name: string; readonly content: string | Uint8Array }[];
}
