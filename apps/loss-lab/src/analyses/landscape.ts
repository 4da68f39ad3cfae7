import { type Node, add, div, input, mul, square, sub } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, linspace, meshgrid } from '../core-eval.js';
import { LOSS_METHODS, METHOD_PARAMS, surfaceUnderMethod } from '../methods.js';
import { sharedColourScale, sharedDomain } from '../render/colour-scale.js';
import { type Figure, vegaLite } from '../render/figure.js';

/** The window of Fig. 2: centred on the minimum (-2, 3) of x^2 + 4x + y^2 - 6y. */
const LANDSCAPE_WINDOW = { x: [-7, 3], y: [-2, 8] } as const;

/** x^2 + 4x + y^2 - 6y over batch inputs x, y, as a core expression. */
function landscapeFunction(x: Node, y: Node): Node {
  return sub(add(square(x), mul(4, x), square(y)), mul(6, y));
}

export interface LandscapeSurface {
  readonly method: string;
  readonly label: string;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** row-major, y outer: value[j * xs.length + i] at (xs[i], ys[j]) */
  readonly values: Float64Array;
}

/**
 * The residual of a landscape point: z = f(x, y) / s with s = max |f| over the window, so a
 * method's L1 = |z| and L2 = z^2 lie in [0, 1] like the probability residuals of the paper
 * (unscaled, e^(L2) overflows a float64 a few units from the minimum).
 */
export function landscapeResidual(scale: number): { x: Node; y: Node; z: Node } {
  const x = input('x', ['batch']);
  const y = input('y', ['batch']);
  return { x, y, z: div(landscapeFunction(x, y), scale) };
}

/** max |f| over an n x n grid of the window (the corners dominate). */
export function landscapeScale(n: number): number {
  const xs = linspace(LANDSCAPE_WINDOW.x[0], LANDSCAPE_WINDOW.x[1], n);
  const ys = linspace(LANDSCAPE_WINDOW.y[0], LANDSCAPE_WINDOW.y[1], n);
  const grid = meshgrid(xs, ys);
  const x = input('x', ['batch']);
  const y = input('y', ['batch']);
  const f = evaluateColumns(landscapeFunction(x, y), grid);
  return f.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

export function landscapeSurfaces(n: number): { scale: number; surfaces: LandscapeSurface[] } {
  const scale = landscapeScale(n);
  const xs = linspace(LANDSCAPE_WINDOW.x[0], LANDSCAPE_WINDOW.x[1], n);
  const ys = linspace(LANDSCAPE_WINDOW.y[0], LANDSCAPE_WINDOW.y[1], n);
  const grid = meshgrid(xs, ys);
  const { z } = landscapeResidual(scale);
  const surfaces = LOSS_METHODS.map((m) => ({
    method: m.key,
    label: m.label,
    xs,
    ys,
    values: evaluateColumns(surfaceUnderMethod(m, z), grid, METHOD_PARAMS),
  }));
  return { scale, surfaces };
}

/** Grid cells with their edges, for rect marks. */
export function surfaceCells(s: LandscapeSurface, extra: Record<string, string> = {}) {
  const dx = (s.xs[1]! - s.xs[0]!) / 2;
  const dy = (s.ys[1]! - s.ys[0]!) / 2;
  const rows: Record<string, number | string | null>[] = [];
  s.ys.forEach((y, j) => {
    s.xs.forEach((x, i) => {
      rows.push({
        ...extra,
        method: s.label,
        x,
        y,
        x0: x - dx,
        x1: x + dx,
        y0: y - dy,
        y1: y + dy,
        value: finiteOrNull(s.values[j * s.xs.length + i]!),
      });
    });
  });
  return rows;
}

/**
 * A heatmap of grid cells (x0..x1, y0..y1, value), as one Vega-Lite unit spec, coloured on
 * the figure's shared scale `domain` (`sharedDomain` of every panel's values).
 */
export function heatmapUnit(colorTitle: string, domain: readonly [number, number]) {
  return {
    // cells overlap their right and upper neighbours a little: no antialiased hairline seams
    transform: [
      { calculate: 'datum.x1 + 0.25 * (datum.x1 - datum.x0)', as: 'x1_overlap' },
      { calculate: 'datum.y1 + 0.25 * (datum.y1 - datum.y0)', as: 'y1_overlap' },
    ],
    mark: { type: 'rect', clip: true },
    encoding: {
      x: { field: 'x0', type: 'quantitative', title: 'x', scale: { nice: false, zero: false } },
      x2: { field: 'x1_overlap' },
      y: { field: 'y0', type: 'quantitative', title: 'y', scale: { nice: false, zero: false } },
      y2: { field: 'y1_overlap' },
      color: {
        field: 'value',
        type: 'quantitative',
        title: colorTitle,
        scale: sharedColourScale(domain),
        legend: { gradientLength: 160 },
      },
    },
  };
}

/** Heatmaps faceted by 'method' on one colour scale, each with its own axes. */
function heatmapFacetSpec(rows: Figure['rows'], options: { columns: number; colorTitle: string }): Figure['spec'] {
  const domain = sharedDomain(rows.map((r) => r.value as number | null));
  return vegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: rows },
    facet: { field: 'method', type: 'nominal', title: null, sort: null },
    columns: options.columns,
    spec: { width: 190, height: 190, ...heatmapUnit(options.colorTitle, domain) },
    resolve: { axis: { x: 'independent', y: 'independent' } },
  });
}

export function landscapeAnalysis(n = 41): Analysis {
  const { scale, surfaces } = landscapeSurfaces(n);
  const rows = surfaces.flatMap((s) => surfaceCells(s));
  const figure: Figure = {
    name: 'landscapes',
    title: 'Fig. 2: loss landscapes of x² + 4x + y² − 6y',
    caption:
      'Each panel is the surface seen through one loss method: (a) the scaled function z itself, (b)-(f) the method applied to L1 = |z|, L2 = z². One colour scale for all six panels; darker is lower.',
    spec: heatmapFacetSpec(rows, { columns: 3, colorTitle: 'loss' }),
    rows,
  };
  const table = {
    title: 'Minimum of each landscape on the grid',
    columns: ['method', 'min value', 'at x', 'at y'],
    rows: surfaces.map((s) => {
      let k = 0;
      s.values.forEach((v, i) => {
        if (v < s.values[k]!) k = i;
      });
      return [s.label, s.values[k]!, s.xs[k % s.xs.length]!, s.ys[Math.floor(k / s.xs.length)]!];
    }),
  };
  return {
    id: 'landscapes',
    title: '1. Loss landscapes',
    summary: `The function f(x, y) = x² + 4x + y² − 6y (a bowl with its minimum −13 at (−2, 3)) stands in for a model's loss surface. It is scaled to the residual z = f / ${scale.toFixed(0)} (max |f| on the window), and each method is applied to L1 = |z|, L2 = z² with the catalogue's covariates A = ${METHOD_PARAMS.A}, B = ${METHOD_PARAMS.B}. Every value is computed by the core evaluator on a ${n} × ${n} grid.\n\nWithout a loss method (a) the surface is the bowl. Every method built on |z| and z² turns the level set f = 0 (a circle of radius √13 around the minimum) into the valley floor: the "narrow valley" the paper describes.`,
    figures: [figure],
    tables: [table],
    data: { scale, window: LANDSCAPE_WINDOW, n },
  };
}
