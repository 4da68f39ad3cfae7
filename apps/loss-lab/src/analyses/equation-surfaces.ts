import { input } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, linspace, meshgrid } from '../core-eval.js';
import { DEFAULT_COVARIATES, PAPER_EQUATIONS, covariates } from '../equations.js';
import { sharedColourScale, sharedDomain } from '../render/colour-scale.js';
import { type Figure, svgToPng } from '../render/figure.js';
import { type SurfaceData, surfacesSvg } from '../render/surface-3d.js';

export interface EquationSurface {
  readonly number: number;
  readonly title: string;
  readonly l1: Float64Array;
  readonly l2: Float64Array;
  /** row-major, L2 outer: values[j * l1.length + i] at (l1[i], l2[j]); NaN where undefined */
  readonly values: Float64Array;
}

/** Eqs. (1)-(9) over an n x n grid of (L1, L2) in [0, max]^2 for fixed A, B, by the core. */
export function equationSurfaces(n: number, params: { A: number; B: number }, max = 1): EquationSurface[] {
  const l1 = linspace(0, max, n);
  const l2 = linspace(0, max, n);
  const mesh = meshgrid(l1, l2);
  const L1 = input('L1', ['batch']);
  const L2 = input('L2', ['batch']);
  return PAPER_EQUATIONS.map((eq) => ({
    number: eq.number,
    title: eq.title,
    l1,
    l2,
    values: evaluateColumns(eq.build({ L1, L2, A: covariates.A, B: covariates.B }), { L1: mesh.x, L2: mesh.y }, params),
  }));
}

export { SURFACE_SCRIPT } from '../render/surface-3d.js';

const ID = 'equation-surfaces';
/** The static export of the 3D surfaces, beside the figures. */
const SURFACES_FILE = 'surfaces-3d';

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function equationSurfaceAnalysis(n = 31, params: { A: number; B: number } = DEFAULT_COVARIATES): Analysis {
  const surfaces = equationSurfaces(n, params);
  const rows = surfaces.flatMap((s) =>
    Array.from(s.values, (v, k) => {
      const i = k % n;
      const j = Math.floor(k / n);
      const h = (s.l1[1]! - s.l1[0]!) / 2;
      return {
        equation: `Eq. (${s.number}) ${s.title}`,
        L1: s.l1[i]!,
        L2: s.l2[j]!,
        x0: s.l1[i]! - h,
        x1: s.l1[i]! + h,
        y0: s.l2[j]! - h,
        y1: s.l2[j]! + h,
        value: finiteOrNull(v),
      };
    }),
  );
  const domain = sharedDomain(rows.map((r) => r.value));
  const figure: Figure = {
    name: 'equation-heatmaps',
    title: 'Fig. 8: heatmaps of Eqs. (1)-(9)',
    caption: `Each equation over L1, L2 in [0, 1] (${n} × ${n} grid) with A = ${params.A}, B = ${params.B}. Grey cells (if any): the equation is not finite there.`,
    spec: {
      vegaLite: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: rows as Record<string, unknown>[] },
        facet: { field: 'equation', type: 'nominal', title: null, sort: null },
        columns: 3,
        spec: {
          width: 170,
          height: 170,
          transform: [
            { calculate: 'datum.x1 + 0.25 * (datum.x1 - datum.x0)', as: 'x1_overlap' },
            { calculate: 'datum.y1 + 0.25 * (datum.y1 - datum.y0)', as: 'y1_overlap' },
          ],
          mark: { type: 'rect', clip: true },
          encoding: {
            x: { field: 'x0', type: 'quantitative', title: 'L1', scale: { nice: false, zero: false } },
            x2: { field: 'x1_overlap' },
            y: { field: 'y0', type: 'quantitative', title: 'L2', scale: { nice: false, zero: false } },
            y2: { field: 'y1_overlap' },
            color: {
              condition: { test: 'datum.value === null', value: '#bbb' },
              field: 'value',
              type: 'quantitative',
              title: 'value',
              scale: sharedColourScale(domain),
              legend: { gradientLength: 160 },
            },
          },
        },
        resolve: { axis: { x: 'independent', y: 'independent' } },
      },
    },
    rows,
  };
  // one z axis and one colour range for the nine surfaces, as for the heatmaps
  const surfaceData: SurfaceData[] = surfaces.map((s) => ({
    title: `Eq. (${s.number}) ${s.title}`,
    n,
    z: Array.from(s.values, finiteOrNull),
    x: [s.l1[0]!, s.l1[n - 1]!],
    y: [s.l2[0]!, s.l2[n - 1]!],
    zmin: domain[0],
    zmax: domain[1],
    labels: { x: 'L1', y: 'L2', z: 'E(L1, L2)' },
  }));
  const canvases = surfaceData
    .map(
      (data, k) =>
        `<figure><canvas class="surface" width="380" height="320" data-surface="${attr(JSON.stringify(data))}" aria-label="3D surface of Eq. (${surfaces[k]!.number})"></canvas></figure>`,
    )
    .join('\n');
  const staticSvg = surfacesSvg(surfaceData, { columns: 3, width: 380, height: 320, title: `Eqs. (1)-(9) over (L1, L2), A = ${params.A}, B = ${params.B}` });
  const stats = surfaces.map((s) => {
    const finite = s.values.filter(Number.isFinite);
    return [`Eq. (${s.number}) ${s.title}`, Math.min(...finite), Math.max(...finite), s.values.length - finite.length];
  });
  return {
    id: ID,
    title: '5. Eqs. (1)-(9) as surfaces and heatmaps',
    summary: `Figs. 7 and 8 of the paper: each of the nine hybrid equations as a function of the two base losses L1 and L2, with the covariates fixed (A = ${params.A}, B = ${params.B}). The EMA equations (4)-(9) are drawn in their printed, stateless form (Step1 and Step2 over the current L1, L2). The equations are the core catalogue's: Eq. (6)'s square root is taken of relu(u) + 10⁻⁶ (shifted to 0 at 0), Eq. (9) reads Bi-eLU(u) as eLU(u) − eLU(−u) (the printed eLU(u) − eLU(u) would be identically zero), and the exponential continues linearly beyond e³⁰ (see docs/paper.md).\n\nThe 3D views below are interactive (drag to rotate), with axes, ticks and labels; the same scene is exported as a static SVG and PNG, and the heatmaps are a flat view of the same numbers. All panels share one colour scale (and the 3D views one z axis).`,
    figures: [figure],
    html: `<h3>3D surfaces (drag to rotate)</h3>
<p>One z axis and one colour scale for the nine surfaces (${domain[0].toPrecision(3)} to ${domain[1].toPrecision(3)}). The same scene as a static picture: <a href="${ID}/${SURFACES_FILE}.svg">SVG</a> · <a href="${ID}/${SURFACES_FILE}.png">PNG</a>.</p>
<div class="surfaces">${canvases}</div>`,
    files: [
      { name: `${SURFACES_FILE}.svg`, content: staticSvg },
      { name: `${SURFACES_FILE}.png`, content: svgToPng(staticSvg) },
    ],
    tables: [
      {
        title: 'Range of each equation on the grid',
        columns: ['equation', 'min', 'max', 'undefined cells'],
        rows: stats as (string | number)[][],
      },
    ],
  };
}
