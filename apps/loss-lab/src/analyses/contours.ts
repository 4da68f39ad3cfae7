import { input } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, linspace, meshgrid } from '../core-eval.js';
import { LOSS_METHODS, METHOD_PARAMS, crossEntropyUnderMethod, surfaceUnderMethod } from '../methods.js';
import { sharedDomain } from '../render/colour-scale.js';
import type { Figure } from '../render/figure.js';
import { PIXEL_GRID, pixelMethodGrids } from './pixel-contours.js';

/**
 * The generator of Figs. 4 and 5: sin^10(x) + cos(10 + y*x) * cos(x). The core has no sin or
 * cos (no loss needs them), so the generated values are computed here and enter the core as
 * an input; the loss methods are applied to them by the core.
 */
export const generator = (x: number, y: number): number => Math.sin(x) ** 10 + Math.cos(10 + y * x) * Math.cos(x);

export interface GridSpec {
  readonly balance: 'unbalanced' | 'balanced';
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** Fig. 4's grids: x in [0, 5] (unbalanced) or [-5, 5] (balanced), y in [0, 5] for both. */
const CONTOUR_GRIDS: readonly GridSpec[] = [
  { balance: 'unbalanced', x: [0, 5], y: [0, 5] },
  { balance: 'balanced', x: [-5, 5], y: [0, 5] },
];

export interface MethodGrid {
  readonly balance: GridSpec['balance'];
  readonly method: string;
  readonly label: string;
  readonly short: string;
  readonly letter: string;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** generated value z at each cell, row-major, y outer */
  readonly generated: Float64Array;
  /** the method applied to z (z itself for 'none'), or CE + term of the logit z */
  readonly values: Float64Array;
}

/**
 * Every method on every grid, n x n points, values from the core evaluator: the method applied to
 * z as a residual (Fig. 4), or with `reading: 'cross-entropy'` to z as a logit, CE + term (Fig. 5).
 */
export function methodGrids(grids: readonly GridSpec[], n: number, reading: 'residual' | 'cross-entropy' = 'residual'): MethodGrid[] {
  const z = input('z', ['batch']);
  return grids.flatMap((g) => {
    const xs = linspace(g.x[0], g.x[1], n);
    const ys = linspace(g.y[0], g.y[1], n);
    const mesh = meshgrid(xs, ys);
    const generated = mesh.x.map((x, i) => generator(x, mesh.y[i]!));
    return LOSS_METHODS.map((m) => ({
      balance: g.balance,
      method: m.key,
      label: m.label,
      short: m.short,
      letter: m.letter,
      xs,
      ys,
      generated,
      values: evaluateColumns(reading === 'residual' ? surfaceUnderMethod(m, z) : crossEntropyUnderMethod(m, z), { z: generated }, METHOD_PARAMS),
    }));
  });
}

const PANEL = 150;

/** One panel of a contour figure: values on an xs × ys grid, row-major with y outer. */
export interface ContourPanel {
  readonly title: string;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly values: Float64Array;
}

/** Contour levels shared by every panel of a figure: `levels` equal steps from the lowest value. */
function sharedThresholds(panels: readonly ContourPanel[], levels = 15): number[] {
  const [lo, hi] = sharedDomain(panels.flatMap((p) => Array.from(p.values)));
  return Array.from({ length: levels }, (_, i) => lo + ((hi - lo) * i) / levels);
}

/**
 * A raw Vega spec: one panel per grid, filled contours from Vega's isocontour transform
 * (d3-contour) and x/y axes in data units. The filled levels and the colour scale are the
 * figure's, not the panel's, so a colour means the same value in every panel; with `ownLevels`,
 * white lines at that many levels of the panel's own range show the shape of its level sets.
 */
function contourSpec(
  panels: readonly ContourPanel[],
  options: { columns: number; xTitle: string; yTitle: string; legendTitle: string; ownLevels?: number },
): Figure['spec'] {
  const thresholds = sharedThresholds(panels);
  const ownLevels = options.ownLevels ?? 0;
  const domain = sharedDomain(panels.flatMap((p) => Array.from(p.values)));
  const data = panels.map((g, k) => {
    const nx = g.xs.length;
    const ny = g.ys.length;
    // raster rows run top to bottom: flip y so the largest y is the first row
    const raster: (number | null)[] = [];
    for (let j = ny - 1; j >= 0; j--) for (let i = 0; i < nx; i++) raster.push(finiteOrNull(g.values[j * nx + i]!));
    const [lo, hi] = sharedDomain(g.values);
    return {
      key: k,
      title: g.title,
      // the panel's own levels, drawn as white lines over the shared colours: their shape is the
      // panel's level sets, whatever its range on the shared scale
      own: Array.from({ length: ownLevels }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / ownLevels),
      x0: g.xs[0],
      x1: g.xs[nx - 1],
      y0: g.ys[0],
      y1: g.ys[ny - 1],
      sx: PANEL / nx,
      sy: PANEL / ny,
      grid: { width: nx, height: ny, values: raster },
    };
  });
  return {
    vega: {
      $schema: 'https://vega.github.io/schema/vega/v6.json',
      padding: 10,
      autosize: 'pad',
      data: [{ name: 'panels', values: data }],
      signals: [{ name: 'thresholds', value: thresholds }],
      scales: [{ name: 'color', type: 'linear', domain, zero: false, nice: false, range: { scheme: 'viridis' } }],
      legends: [{ fill: 'color', type: 'gradient', title: options.legendTitle, gradientLength: 160, orient: 'right' }],
      layout: { columns: options.columns, padding: { row: 30, column: 25 }, bounds: 'full', align: 'all' },
      marks: [
        {
          type: 'group',
          name: 'panel',
          from: { facet: { name: 'panel_data', data: 'panels', groupby: ['key', 'title', 'x0', 'x1', 'y0', 'y1', 'sx', 'sy', 'own'] } },
          sort: { field: 'datum.key' },
          title: { text: { signal: 'parent.title' }, fontSize: 11, limit: PANEL + 90 },
          encode: { update: { width: { value: PANEL }, height: { value: PANEL }, stroke: { value: '#ccc' } } },
          data: [
            {
              name: 'contours',
              source: 'panel_data',
              transform: [{ type: 'isocontour', field: 'grid', thresholds: { signal: 'thresholds' }, scale: { expr: 'parent.sx' } }],
            },
            {
              name: 'own_levels',
              source: 'panel_data',
              transform: [{ type: 'isocontour', field: 'grid', thresholds: { signal: 'parent.own' }, scale: { expr: 'parent.sx' } }],
            },
          ],
          scales: [
            { name: 'x', type: 'linear', domain: { signal: '[parent.x0, parent.x1]' }, range: [0, PANEL] },
            { name: 'y', type: 'linear', domain: { signal: '[parent.y0, parent.y1]' }, range: [PANEL, 0] },
          ],
          axes: [
            { scale: 'x', orient: 'bottom', tickCount: 5, title: options.xTitle },
            { scale: 'y', orient: 'left', tickCount: 5, title: options.yTitle },
          ],
          marks: [
            {
              type: 'shape',
              from: { data: 'contours' },
              encode: {
                update: {
                  fill: { scale: 'color', field: 'contour.value' },
                  stroke: { value: '#333' },
                  strokeWidth: { value: 0.3 },
                },
              },
              transform: [{ type: 'geoshape', field: 'datum.contour' }],
            },
            {
              type: 'shape',
              from: { data: 'own_levels' },
              encode: { update: { stroke: { value: 'white' }, strokeWidth: { value: 0.8 }, strokeOpacity: { value: 0.85 } } },
              transform: [{ type: 'geoshape', field: 'datum.contour' }],
            },
          ],
        },
      ],
    },
  } as Figure['spec'];
}

function gridRows(grids: readonly MethodGrid[]): Figure['rows'] {
  return grids.flatMap((g) =>
    Array.from(g.values, (v, k) => ({
      balance: g.balance,
      method: g.label,
      x: g.xs[k % g.xs.length]!,
      y: g.ys[Math.floor(k / g.xs.length)]!,
      generated: g.generated[k]!,
      value: finiteOrNull(v),
    })),
  );
}

/** Share of cells whose value is (numerically) zero: the paper reads Fig. 4 by its zeros. */
const zeroShare = (values: Float64Array, tolerance = 1e-3): number =>
  values.reduce((n, v) => n + (Math.abs(v) <= tolerance ? 1 : 0), 0) / values.length;

export function contourAnalysis(n = 40): Analysis {
  const grids = methodGrids(CONTOUR_GRIDS, n);
  const figure: Figure = {
    name: 'contours',
    title: 'Fig. 4: contour maps of sin¹⁰(x) + cos(10 + yx)·cos(x) under the six methods',
    caption:
      'Top row: unbalanced grid (x in [0, 5]); bottom row: balanced grid (x in [−5, 5]); y in [0, 5], 40 × 40 points. Fifteen filled levels and one colour scale shared by all panels; darker is lower.',
    spec: contourSpec(
      grids.map((g) => ({ title: `(${g.letter}) ${g.short} · ${g.balance}`, xs: g.xs, ys: g.ys, values: g.values })),
      { columns: 6, xTitle: 'x', yTitle: 'y', legendTitle: 'value' },
    ),
    rows: gridRows(grids),
  };
  const pixel = pixelMethodGrids(n).filter((g) => g.method !== 'none');
  const pixelFigure: Figure = {
    name: 'pixel-contours',
    title: 'Fig. 4 where the methods differ: the loss of one pixel of a three-class model',
    caption: `x: the probability p₁ of the true class (${PIXEL_GRID.x[0]} to 1); y: the share s of the wrong mass 1 − p₁ that goes to class 2 (the rest to class 3). (b)-(f): the term each method adds to the cross-entropy, on the pixel's L1 = mean_c |p_c − t_c| and L2 = mean_c (p_c − t_c)² (with no method, (a), there is no term, and CE = −log p₁ has vertical level lines). ${n} × ${n} points; fifteen filled levels and one colour scale for the five panels, white lines at eight levels of each panel's own range.`,
    spec: contourSpec(pixel, { columns: 5, xTitle: 'p₁ (true class)', yTitle: 's (wrong mass on class 2)', legendTitle: 'value', ownLevels: 8 }),
    rows: pixel.flatMap((g) =>
      Array.from(g.values, (v, k) => ({
        method: g.title,
        p1: g.xs[k % g.xs.length]!,
        s: g.ys[Math.floor(k / g.xs.length)]!,
        value: finiteOrNull(v),
      })),
    ),
  };
  const reference = (list: readonly { method: string; values: Float64Array }[], balance?: string) =>
    list.find((g) => g.method === 'l1-l2' && (balance === undefined || (g as MethodGrid).balance === balance))!.values;
  const stats = grids.map((g) => {
    const finite = g.values.filter(Number.isFinite);
    return [
      g.balance,
      g.label,
      Math.min(...finite),
      Math.max(...finite),
      finite.reduce((a, b) => a + b, 0) / finite.length,
      zeroShare(g.values),
      rankCorrelation(g.values, reference(grids, g.balance)),
    ];
  });
  const pixelStats = pixel.map((g) => [g.title, rankCorrelation(g.values, reference(pixel))]);
  return {
    id: 'contours',
    title: '2. Contour maps',
    summary:
      `The generated values z = sin¹⁰(x) + cos(10 + yx)·cos(x) play the role of a model's residual over a 40 × 40 grid; each loss method is applied to L1 = |z|, L2 = z² (A = ${METHOD_PARAMS.A}, B = ${METHOD_PARAMS.B}, the catalogue defaults) and the result is drawn as filled contours. Unbalanced means x only takes positive values (x in [0, 5]); balanced means x in [−5, 5].\n\nWhere z crosses zero every method except (a) has its minimum, so the level lines of (b)-(f) follow the zero set of z: the "many zero values" and extra local minima the paper reads from Fig. 4. On one number per point this is all a method can do: (b), (c), (d) and (f) are increasing functions of |z|, so they are monotone transforms of each other and have the same level sets (rank correlation with (b) exactly 1 in the table; only (e), whose Step1 subtracts L1, is not monotone). The panels differ in where the levels fall, not in their shape.\n\nThe second figure reads Fig. 4 on a quantity where the methods can differ: one pixel of a three-class model, as the benchmark trains them (the per-pixel reading, docs/paper.md). A pixel has two base losses, L1 = mean over classes of |p − t| and L2 = mean of (p − t)², and they are not tied to each other: at one true-class probability p₁, L1 is fixed while L2 grows as the wrong mass 1 − p₁ concentrates on one class (s near 0 or 1). The cross-entropy and L1 only see p₁ (vertical level lines); the L2 part of (b)-(d), (f) bends the lines so that a confidently wrong pixel costs more; the EMA term (e) bends them the other way (its Step1 subtracts B·L2). Rank correlations with (b) below 1 say the level sets differ.`,
    figures: [figure, pixelFigure],
    tables: [
      {
        title: 'Fig. 4 (scalar residual): value range per panel, share of |value| ≤ 0.001, and rank correlation with (b) on the same grid (1: the same level sets)',
        columns: ['grid', 'method', 'min', 'max', 'mean', 'zero share', 'rank corr. with (b)'],
        rows: stats as (string | number)[][],
      },
      {
        title: 'Three-class pixel: rank correlation of each panel with (b) over the grid (below 1: level sets of their own)',
        columns: ['panel', 'rank corr. with (b)'],
        rows: pixelStats as (string | number)[][],
      },
    ],
  };
}

/** Spearman's rank correlation (average ranks for ties): 1 exactly when b is an increasing function of a. */
export function rankCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ranks = (v: ArrayLike<number>) => {
    const order = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Float64Array(v.length);
    for (let k = 0; k < order.length; ) {
      let e = k;
      while (e + 1 < order.length && v[order[e + 1]!] === v[order[k]!]) e++;
      for (let q = k; q <= e; q++) r[order[q]!] = (k + e) / 2;
      k = e + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i]! - mean) * (rb[i]! - mean);
    saa += (ra[i]! - mean) ** 2;
    sbb += (rb[i]! - mean) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
