import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A figure: a Vega-Lite (or raw Vega) spec plus the rows of data behind it. */
export interface Figure {
  /** kebab-case file stem, unique within the report */
  readonly name: string;
  readonly title: string;
  /** one or two sentences: what the picture shows */
  readonly caption: string;
  readonly spec: { readonly vegaLite: TopLevelSpec } | { readonly vega: vega.Spec };
  /** the data behind the figure, one object per row (written as CSV and JSON) */
  readonly rows: readonly Record<string, number | string | null>[];
}

/**
 * A Vega-Lite spec written as a plain object. Vega-Lite's own types reject many valid specs
 * built by spreading parts (readonly arrays, layered facets), so specs are checked where it
 * counts: compiled and rendered in the tests.
 */
export const vegaLite = (spec: object): Figure['spec'] => ({ vegaLite: spec as TopLevelSpec });

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 10, titleFontSize: 11 },
  header: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 10, titleFontSize: 11 },
};

/** The shared look, with a figure's own config merged in one level deep (its legend settings, ...). */
function withLook(own: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...CONFIG };
  for (const [k, v] of Object.entries(own)) {
    const base = merged[k];
    merged[k] = base && typeof base === 'object' && v && typeof v === 'object' ? { ...base, ...v } : v;
  }
  return merged;
}

/** The Vega spec of a figure (Vega-Lite compiled), with the shared look applied. */
export function toVegaSpec(figure: Figure): vega.Spec {
  if ('vega' in figure.spec) {
    const own = figure.spec.vega as unknown as { config?: Record<string, unknown> };
    return { background: 'white', ...figure.spec.vega, config: withLook(own.config) } as vega.Spec;
  }
  const own = figure.spec.vegaLite as unknown as { config?: Record<string, unknown> };
  return compile({ ...figure.spec.vegaLite, config: withLook(own.config) } as TopLevelSpec).spec;
}

/** Renders a figure to SVG in Node with vega's headless view (no browser, no canvas). */
export async function renderSvg(figure: Figure): Promise<string> {
  const view = new vega.View(vega.parse(toVegaSpec(figure)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG to PNG with resvg at 2x for crisp README images; system fonts (DejaVu on Debian). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Rows to CSV (RFC 4180 quoting); the header is the union of keys in first-seen order. */
export function toCsv(rows: readonly Record<string, number | string | null>[]): string {
  const keys: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
  const cell = (v: number | string | null | undefined): string => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k])).join(','))].join('\n') + '\n';
}
