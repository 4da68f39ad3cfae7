import { input } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, linspace, meshgrid } from '../core-eval.js';
import { DEFAULT_COVARIATES, PAPER_EQUATIONS, covariates } from '../equations.js';
import type { Figure } from '../render/figure.js';

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

/**
 * The interactive 3D view: a small canvas renderer (no library, works from disk). Each
 * canvas carries its surface as JSON; drag to rotate. Undefined cells (NaN) are left out.
 */
export const SURFACE_SCRIPT = `
(function () {
  function viridis(t) {
    var stops = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
    t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    var i = Math.min(stops.length - 2, Math.floor(t)), f = t - i, a = stops[i], b = stops[i + 1];
    return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * f); }).join(',') + ')';
  }
  function draw(canvas, s, yaw, pitch) {
    var ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height, n = s.n;
    ctx.fillStyle = 'white'; ctx.fillRect(0, 0, W, H);
    var lo = Infinity, hi = -Infinity;
    s.z.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    var span = hi - lo || 1;
    function project(i, j, v) {
      var x = i / (n - 1) - 0.5, y = j / (n - 1) - 0.5, z = (v - lo) / span - 0.5;
      var cx = x * Math.cos(yaw) - y * Math.sin(yaw), cy = x * Math.sin(yaw) + y * Math.cos(yaw);
      var sy = cy * Math.sin(pitch) + z * Math.cos(pitch), depth = cy * Math.cos(pitch) - z * Math.sin(pitch);
      return [W / 2 + cx * W * 0.5, H / 2 + 10 - sy * H * 0.5, depth];
    }
    var quads = [];
    for (var j = 0; j < n - 1; j++) for (var i = 0; i < n - 1; i++) {
      var c = [s.z[j * n + i], s.z[j * n + i + 1], s.z[(j + 1) * n + i + 1], s.z[(j + 1) * n + i]];
      if (c.some(function (v) { return v === null; })) continue;
      var p = [project(i, j, c[0]), project(i + 1, j, c[1]), project(i + 1, j + 1, c[2]), project(i, j + 1, c[3])];
      quads.push({ p: p, d: (p[0][2] + p[1][2] + p[2][2] + p[3][2]) / 4, v: (c[0] + c[1] + c[2] + c[3]) / 4 });
    }
    quads.sort(function (a, b) { return b.d - a.d; });
    quads.forEach(function (q) {
      ctx.beginPath(); ctx.moveTo(q.p[0][0], q.p[0][1]);
      for (var k = 1; k < 4; k++) ctx.lineTo(q.p[k][0], q.p[k][1]);
      ctx.closePath(); ctx.fillStyle = viridis((q.v - lo) / span); ctx.fill();
      ctx.strokeStyle = 'rgba(0,0,0,0.15)'; ctx.stroke();
    });
    ctx.fillStyle = '#222'; ctx.font = '12px sans-serif';
    ctx.fillText(s.title, 6, 14);
    ctx.fillText('z in [' + lo.toPrecision(3) + ', ' + hi.toPrecision(3) + ']', 6, H - 6);
  }
  document.querySelectorAll('canvas.surface').forEach(function (canvas) {
    var s = JSON.parse(canvas.getAttribute('data-surface'));
    var yaw = 0.8, pitch = 0.9, drag = null;
    draw(canvas, s, yaw, pitch);
    canvas.addEventListener('pointerdown', function (e) { drag = [e.clientX, e.clientY, yaw, pitch]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener('pointerup', function () { drag = null; });
    canvas.addEventListener('pointermove', function (e) {
      if (!drag) return;
      yaw = drag[2] + (e.clientX - drag[0]) * 0.01;
      pitch = Math.max(0.05, Math.min(1.5, drag[3] + (e.clientY - drag[1]) * 0.01));
      draw(canvas, s, yaw, pitch);
    });
  });
})();
`;

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
              scale: { scheme: 'viridis' },
              legend: { gradientLength: 110 },
            },
          },
        },
        resolve: { scale: { color: 'independent' }, axis: { x: 'independent', y: 'independent' } },
      },
    },
    rows,
  };
  const canvases = surfaces
    .map((s) => {
      const data = { n, title: `Eq. (${s.number}) ${s.title}`, z: Array.from(s.values, finiteOrNull) };
      return `<figure><canvas class="surface" width="300" height="260" data-surface="${attr(JSON.stringify(data))}" aria-label="3D surface of Eq. (${s.number})"></canvas></figure>`;
    })
    .join('\n');
  const stats = surfaces.map((s) => {
    const finite = s.values.filter(Number.isFinite);
    return [`Eq. (${s.number}) ${s.title}`, Math.min(...finite), Math.max(...finite), s.values.length - finite.length];
  });
  return {
    id: 'equation-surfaces',
    title: '5. Eqs. (1)-(9) as surfaces and heatmaps',
    summary: `Figs. 7 and 8 of the paper: each of the nine hybrid equations as a function of the two base losses L1 and L2, with the covariates fixed (A = ${params.A}, B = ${params.B}). The EMA equations (4)-(9) are drawn in their printed, stateless form (Step1 and Step2 over the current L1, L2). The equations are the core catalogue's: Eq. (6)'s square root is taken of relu(u) + 10⁻⁶ (shifted to 0 at 0), Eq. (9) reads Bi-eLU(u) as eLU(u) − eLU(−u) (the printed eLU(u) − eLU(u) would be identically zero), and the exponential continues linearly beyond e³⁰ (see docs/paper.md).\n\nThe 3D views below are interactive (drag to rotate); the heatmaps are the static version of the same numbers.`,
    figures: [figure],
    html: `<h3>3D surfaces (drag to rotate)</h3><div class="surfaces">${canvases}</div>`,
    tables: [
      {
        title: 'Range of each equation on the grid',
        columns: ['equation', 'min', 'max', 'undefined cells'],
        rows: stats as (string | number)[][],
      },
    ],
  };
}
