import { input } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, linspace, meshgrid } from '../core-eval.js';
import { DEFAULT_COVARIATES, PAPER_EQUATIONS, covariates } from '../equations.js';
import { sharedColourScale, sharedDomain } from '../render/colour-scale.js';
import { type Figure, svgToPng, vegaLite } from '../render/figure.js';
import { type TrainingPathOptions, recordTrainingPaths } from '../model/training-paths.js';
import { type SurfaceData, surfacesSvg } from '../render/surface-3d.js';
import { EQUATION_EXPERIMENT, pixelUpperL2, reachableByBatchMean } from './visited-region.js';

export interface EquationSurface {
  readonly number: number;
  readonly title: string;
  readonly l1: Float64Array;
  readonly l2: Float64Array;
  /** row-major, L2 outer: values[j * l1.length + i] at (l1[i], l2[j]); NaN where undefined */
  readonly values: Float64Array;
}

/** Eqs. (1)-(9) over an n x n grid of (L1, L2) in [0, max] x [0, maxL2] for fixed A, B, by the core. */
export function equationSurfaces(n: number, params: { A: number; B: number }, max = 1, maxL2 = max): EquationSurface[] {
  const l1 = linspace(0, max, n);
  const l2 = linspace(0, maxL2, n);
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

export interface EquationSurfaceOptions {
  readonly n?: number;
  readonly params?: { A: number; B: number };
  /** the recorded run behind the training paths (`recordTrainingPaths`); its defaults otherwise */
  readonly training?: TrainingPathOptions;
}

export function equationSurfaceAnalysis(options: EquationSurfaceOptions = {}): Analysis {
  const n = options.n ?? 31;
  const params = options.params ?? DEFAULT_COVARIATES;
  // the 3D views: each equation's whole shape over [0, 1]^2
  const surfaces = equationSurfaces(n, params);
  const domain = sharedDomain(surfaces.flatMap((s) => Array.from(s.values)));
  // the heatmaps: where training goes. Paths of a short recorded run, one per equation's experiment
  // and one of cross-entropy alone (Experiment 1), all from the same initial weights
  const experiments = [1, ...PAPER_EQUATIONS.map((e) => EQUATION_EXPERIMENT[e.number]!)];
  const { paths, numClasses: C } = recordTrainingPaths(experiments, options.training);
  const visited = paths.flatMap((p) => p.steps);
  const maxL1 = Math.min(2 / C, 1.1 * Math.max(...visited.map((v) => v.L1)));
  const maxL2 = Math.min(maxL1, 1.1 * Math.max(...visited.map((v) => v.L2)));
  const region = equationSurfaces(n, params, maxL1, maxL2);
  const label = (s: EquationSurface) => `Eq. (${s.number}) ${s.title}`;
  const cells = region.flatMap((s) =>
    Array.from(s.values, (v, k) => {
      const i = k % n;
      const j = Math.floor(k / n);
      const hx = (s.l1[1]! - s.l1[0]!) / 2;
      const hy = (s.l2[1]! - s.l2[0]!) / 2;
      const reachable = reachableByBatchMean(s.l1[i]!, s.l2[j]!, C);
      return {
        kind: 'cell',
        equation: label(s),
        L1: s.l1[i]!,
        L2: s.l2[j]!,
        x0: s.l1[i]! - hx,
        x1: s.l1[i]! + hx,
        y0: s.l2[j]! - hy,
        y1: s.l2[j]! + hy,
        // unreachable cells are drawn grey: no batch of C-class pixels has that (L1, L2)
        reachable: reachable ? 1 : 0,
        value: finiteOrNull(v),
      };
    }),
  );
  const regionDomain = sharedDomain(cells.filter((c) => c.reachable === 1).map((c) => c.value));
  const pathRows = region.flatMap((s) => {
    const own = EQUATION_EXPERIMENT[s.number]!;
    return paths
      .filter((p) => p.experiment === own || p.experiment === 1)
      .flatMap((p) =>
        p.steps.map((t) => ({
          kind: 'path',
          equation: label(s),
          run: p.experiment === 1 ? 'Experiment 1 (CE alone)' : "the equation's experiment",
          experiment: p.experiment,
          step: t.step,
          L1: t.L1,
          L2: t.L2,
          loss: t.loss,
        })),
      );
  });
  // the largest L2 one pixel can have at each L1 (all wrong mass on one class)
  const bound = region.flatMap((s) =>
    Array.from(linspace(0, maxL1, 40), (l1) => ({ kind: 'bound', equation: label(s), L1: l1, L2: Math.min(pixelUpperL2(l1, C), maxL2 * 1.02) })),
  );
  const onCells = "datum.kind === 'cell'";
  const figure: Figure = {
    name: 'equation-heatmaps',
    title: 'Fig. 8: heatmaps of Eqs. (1)-(9) over the region training visits, with recorded training paths',
    caption: `Each equation over L1 in [0, ${maxL1.toFixed(3)}], L2 in [0, ${maxL2.toFixed(3)}] (${n} × ${n} grid, A = ${params.A}, B = ${params.B}), one colour scale for the nine panels. Grey: no batch of ${C}-class softmax pixels has that (L1, L2) (L2 > L1, or L2 below C²L1²/(4(C − 1))); the dotted line is the most one pixel can reach, (C/2)·L1². White: the batch means (L1, L2) along a short run trained with the equation's experiment; red dashes: with cross-entropy alone; dots: the start, shared by all runs.`,
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: [...cells, ...pathRows, ...bound] },
      facet: { field: 'equation', type: 'nominal', title: null, sort: null },
      columns: 3,
      spec: {
        width: 190,
        height: 170,
        layer: [
          {
            transform: [
              { filter: onCells },
              { calculate: 'datum.x1 + 0.25 * (datum.x1 - datum.x0)', as: 'x1_overlap' },
              { calculate: 'datum.y1 + 0.25 * (datum.y1 - datum.y0)', as: 'y1_overlap' },
            ],
            mark: { type: 'rect', clip: true },
            encoding: {
              x: { field: 'x0', type: 'quantitative', title: 'L1', scale: { nice: false, zero: false, domain: [0, maxL1] } },
              x2: { field: 'x1_overlap' },
              y: { field: 'y0', type: 'quantitative', title: 'L2', scale: { nice: false, zero: false, domain: [0, maxL2] } },
              y2: { field: 'y1_overlap' },
              color: {
                condition: { test: 'datum.reachable === 0 || datum.value === null', value: '#c8c8c8' },
                field: 'value',
                type: 'quantitative',
                title: 'E(L1, L2)',
                scale: sharedColourScale(regionDomain),
                legend: { gradientLength: 160 },
              },
            },
          },
          {
            transform: [{ filter: "datum.kind === 'bound'" }],
            mark: { type: 'line', color: 'white', strokeDash: [1.5, 2.5], strokeWidth: 1.2, clip: true },
            encoding: { x: { field: 'L1', type: 'quantitative' }, y: { field: 'L2', type: 'quantitative' } },
          },
          // the equation's run first, then cross-entropy's dashes on top: the two nearly coincide
          ...(["the equation's experiment", 'Experiment 1 (CE alone)'] as const).map((run) => ({
            transform: [{ filter: `datum.kind === 'path' && datum.run === ${JSON.stringify(run)}` }],
            mark:
              run === "the equation's experiment"
                ? { type: 'line', color: 'white', strokeWidth: 2.5, clip: true }
                : { type: 'line', color: '#ff5a36', strokeWidth: 1.2, strokeDash: [4, 3], clip: true },
            encoding: {
              x: { field: 'L1', type: 'quantitative' },
              y: { field: 'L2', type: 'quantitative' },
              order: { field: 'step', type: 'quantitative' },
            },
          })),
          {
            transform: [{ filter: "datum.kind === 'path' && datum.step === 0" }],
            mark: { type: 'point', filled: true, color: 'white', stroke: 'black', strokeWidth: 0.5, size: 30, opacity: 1 },
            encoding: { x: { field: 'L1', type: 'quantitative' }, y: { field: 'L2', type: 'quantitative' } },
          },
        ],
      },
      resolve: { axis: { x: 'independent', y: 'independent' } },
    }),
    rows: [...cells, ...pathRows],
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
    summary: `Figs. 7 and 8 of the paper: each of the nine hybrid equations as a function of the two base losses L1 and L2, with the covariates fixed (A = ${params.A}, B = ${params.B}). The EMA equations (4)-(9) are drawn in their printed, stateless form (Step1 and Step2 over the current L1, L2). The equations are the core catalogue's: Eq. (6)'s square root is taken of relu(u) + 10⁻⁶ (shifted to 0 at 0), Eq. (9) reads Bi-eLU(u) as eLU(u) − eLU(−u) (the printed eLU(u) − eLU(u) would be identically zero), and the exponential continues linearly beyond e³⁰ (see docs/paper.md).\n\nThe heatmaps cover the region training visits, not all of [0, 1]²: with a softmax over C classes L2 > L1 is never reached, and training starts near the uniform prediction (L1 = 2(C − 1)/C², ${(2 * (C - 1)) / (C * C)} for the ${C} classes of the synthetic scenes) and moves towards 0. The paths are recorded during a short run on the synthetic scenes (${paths[0]!.steps.length} Adam steps of a per-pixel softmax regression, the same initial weights for every run, loss and gradient from the core): the batch means of the per-pixel L1 and L2 after each step, for the experiment of each equation (Experiments ${PAPER_EQUATIONS.map((e) => EQUATION_EXPERIMENT[e.number]).join(', ')}) and for cross-entropy alone. Under the per-pixel reading each pixel's own (L1, L2) lies between the lower edge of the region and the dotted line; the paths show where the batch as a whole goes, which is what the batch reading feeds the equations.\n\nThe 3D views below show each equation's whole shape over [0, 1]², interactive (drag to rotate), with axes, ticks and labels and one z axis for all nine; the same scene is exported as a static SVG and PNG. Every figure here has one colour scale for all its panels.`,
    figures: [figure],
    html: `<h3>3D surfaces (drag to rotate)</h3>
<p>One z axis and one colour scale for the nine surfaces (${domain[0].toPrecision(3)} to ${domain[1].toPrecision(3)}). The same scene as a static picture: <a href="${ID}/${SURFACES_FILE}.svg">SVG</a> · <a href="${ID}/${SURFACES_FILE}.png">PNG</a>.</p>
<div class="surfaces">${canvases}</div>`,
    data: { numClasses: C, region: { maxL1, maxL2 }, paths },
    files: [
      { name: `${SURFACES_FILE}.svg`, content: staticSvg },
      { name: `${SURFACES_FILE}.png`, content: svgToPng(staticSvg) },
    ],
    tables: [
      {
        title: 'The recorded training paths: batch means of L1 and L2 at the first and the last step',
        columns: ['experiment', 'steps', 'L1 start', 'L2 start', 'L1 end', 'L2 end', 'L2 / L1 end', 'loss start', 'loss end'],
        rows: paths.map((p) => {
          const [a, b] = [p.steps[0]!, p.steps.at(-1)!];
          return [`${p.experiment}: ${p.name}`, p.steps.length, a.L1, a.L2, b.L1, b.L2, b.L2 / b.L1, a.loss, b.loss];
        }),
      },
      {
        title: 'Range of each equation on [0, 1]² (the 3D views)',
        columns: ['equation', 'min', 'max', 'undefined cells'],
        rows: stats as (string | number)[][],
      },
    ],
  };
}
