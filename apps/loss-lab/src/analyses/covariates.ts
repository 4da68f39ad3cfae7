import { input } from '@losskit/core';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull, gradientColumns, linspace, meshgrid } from '../core-eval.js';
import { DEFAULT_COVARIATES, PAPER_EQUATIONS, type PaperEquation } from '../equations.js';
import { sharedColourScale, sharedDomain } from '../render/colour-scale.js';
import type { Figure } from '../render/figure.js';

/** The operating point of the sweeps: a residual of 0.5, so L1 = 0.5 and L2 = 0.25. */
export const OPERATING_POINT = { L1: 0.5, L2: 0.25 } as const;

export interface CovariateSweep {
  readonly equation: PaperEquation;
  readonly A: Float64Array;
  readonly B: Float64Array;
  readonly value: Float64Array;
  /** |(dE/dL1, dE/dL2)|: how strongly the loss reacts to its base losses */
  readonly gradientNorm: Float64Array;
}

/**
 * One equation at the operating point over covariate values: A and B enter as batch inputs
 * so one core evaluation covers the sweep; the gradient is taken with respect to L1 and L2.
 */
export function sweep(eq: PaperEquation, A: Float64Array, B: Float64Array): CovariateSweep {
  const L1 = input('L1', ['batch']);
  const L2 = input('L2', ['batch']);
  const expr = eq.build({ L1, L2, A: input('A', ['batch']), B: input('B', ['batch']) });
  const columns = {
    L1: new Float64Array(A.length).fill(OPERATING_POINT.L1),
    L2: new Float64Array(A.length).fill(OPERATING_POINT.L2),
    A,
    B,
  };
  const value = evaluateColumns(expr, columns);
  const [d1, d2] = gradientColumns(expr, [L1, L2], columns) as [Float64Array, Float64Array];
  return { equation: eq, A, B, value, gradientNorm: d1.map((g, i) => Math.hypot(g, d2[i]!)) };
}


export function covariateAnalysis(points = 51, gridN = 21): Analysis {
  const convex = PAPER_EQUATIONS.filter((e) => e.coefficients === 'convex');
  const linear = PAPER_EQUATIONS.filter((e) => e.coefficients === 'linear');
  const aLine = linspace(0, 1, points);
  // B is not read by Eqs. (1), (3) but Step1 of (5), (6) subtracts B*L2: hold it at its default
  const convexSweeps = convex.map((e) => sweep(e, aLine, new Float64Array(points).fill(DEFAULT_COVARIATES.B)));
  const axis = linspace(0, 1, gridN);
  const mesh = meshgrid(axis, axis);
  const linearSweeps = linear.map((e) => sweep(e, mesh.x, mesh.y));

  const convexRows = convexSweeps.flatMap((s) =>
    Array.from(s.A, (a, i) => [
      { equation: `Eq. (${s.equation.number}) ${s.equation.title}`, A: a, quantity: 'loss value', value: finiteOrNull(s.value[i]!) },
      {
        equation: `Eq. (${s.equation.number}) ${s.equation.title}`,
        A: a,
        quantity: 'gradient norm',
        value: finiteOrNull(s.gradientNorm[i]!),
      },
    ]).flat(),
  );
  const h = 0.5 / (gridN - 1);
  const linearRows = linearSweeps.flatMap((s, e) =>
    Array.from(s.A, (a, i) =>
      (['loss value', 'gradient norm'] as const).map((quantity, q) => ({
        order: 2 * e + q,
        equation: `Eq. (${s.equation.number})`,
        quantity,
        panel: `Eq. (${s.equation.number}) · ${quantity}`,
        A: a,
        B: s.B[i]!,
        a0: a - h,
        a1: a + h * 1.5,
        b0: s.B[i]! - h,
        b1: s.B[i]! + h * 1.5,
        value: finiteOrNull(quantity === 'loss value' ? s.value[i]! : s.gradientNorm[i]!),
      })),
    ).flat(),
  );
  const convexFigure: Figure = {
    name: 'convex-sweep',
    title: 'Convex coefficients: loss and gradient norm as A goes from 0 to 1',
    caption: `Eqs. with convex coefficients at L1 = ${OPERATING_POINT.L1}, L2 = ${OPERATING_POINT.L2} (B = ${DEFAULT_COVARIATES.B} where Step1 reads it). Left: loss value; right: |∇(L1, L2)|.`,
    spec: {
      vegaLite: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: convexRows as Record<string, unknown>[] },
        facet: { column: { field: 'quantity', type: 'nominal', title: null, sort: ['loss value', 'gradient norm'] } },
        spec: {
          width: 300,
          height: 220,
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: { field: 'A', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative', title: null },
            color: { field: 'equation', type: 'nominal', title: 'equation', legend: { labelLimit: 320 } },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
    },
    rows: convexRows,
  };
  // one figure per quantity, so each has one colour scale shared by its panels (a loss value and a
  // gradient norm are different quantities and get a scale of their own)
  const linearFigures: Figure[] = (['loss value', 'gradient norm'] as const).map((quantity) => {
    const rows = linearRows.filter((r) => r.quantity === quantity);
    const domain = sharedDomain(rows.map((r) => r.value));
    return {
      name: quantity === 'loss value' ? 'linear-sweep' : 'linear-sweep-gradient',
      title: `Linear coefficients: ${quantity === 'loss value' ? 'loss value' : 'gradient norm |∇(L1, L2)|'} over (A, B)`,
      caption: `Eqs. with linear coefficients at L1 = ${OPERATING_POINT.L1}, L2 = ${OPERATING_POINT.L2} over A, B in [0, 1] (${gridN} × ${gridN}), one colour scale for the five panels.`,
      spec: {
        vegaLite: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: rows as Record<string, unknown>[] },
          facet: { field: 'equation', type: 'nominal', title: null, sort: { field: 'order', op: 'min' } },
          columns: 5,
          spec: {
            width: 150,
            height: 150,
            mark: { type: 'rect', clip: true },
            encoding: {
              x: { field: 'a0', type: 'quantitative', title: 'A', scale: { nice: false, zero: false, domain: [-h, 1 + h] } },
              x2: { field: 'a1' },
              y: { field: 'b0', type: 'quantitative', title: 'B', scale: { nice: false, zero: false, domain: [-h, 1 + h] } },
              y2: { field: 'b1' },
              color: { field: 'value', type: 'quantitative', title: quantity, scale: sharedColourScale(domain), legend: { gradientLength: 140 } },
            },
          },
          resolve: { axis: { x: 'independent', y: 'independent' } },
        },
      },
      rows,
    };
  });
  const summaryRows = [...convexSweeps, ...linearSweeps].map((s) => {
    const v = s.value.filter(Number.isFinite);
    const g = s.gradientNorm.filter(Number.isFinite);
    return [
      `Eq. (${s.equation.number}) ${s.equation.title}`,
      s.equation.coefficients,
      Math.min(...v),
      Math.max(...v),
      Math.min(...g),
      Math.max(...g),
    ];
  });
  return {
    id: 'covariates',
    title: '7. Covariate analysis: convex vs linear coefficients',
    summary: `How the covariates steer each equation. At a fixed operating point (a residual of 0.5: L1 = ${OPERATING_POINT.L1}, L2 = ${OPERATING_POINT.L2}) the loss value and the norm of its gradient with respect to the base losses, |(∂E/∂L1, ∂E/∂L2)|, are computed by the core for every covariate value. Convex equations (weights A and 1 − A) have one knob, drawn as curves; linear equations (free A and B) have two, drawn as heatmaps: one figure for the loss value and one for the gradient norm, each on one colour scale for its five panels.\n\nThe gradient norm is the factor by which an equation rescales the gradients of L1 and L2 that reach the model: where it is near zero the term stops teaching; where it is large the step size effectively grows.`,
    figures: [convexFigure, ...linearFigures],
    tables: [
      {
        title: 'Ranges over each sweep',
        columns: ['equation', 'coefficients', 'min loss', 'max loss', 'min |∇|', 'max |∇|'],
        rows: summaryRows as (string | number)[][],
      },
    ],
  };
}
