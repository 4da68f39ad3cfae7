import {
  EXP_CAP,
  type Node,
  add,
  constant,
  makeNode,
  rewrite,
  simplify,
  div,
  type Tensor,
  evaluate,
  gradient,
  lowerState,
  gt,
  input,
  mul,
  neg,
  sqrt,
  sub,
  toLatex,
  where,
  exp as expNode,
} from '@losskit/core';
import katex from 'katex';
import type { Analysis } from '../analysis.js';
import { evaluateColumns, finiteOrNull } from '../core-eval.js';
import { type EquationTerms, PAPER_EQUATIONS } from '../equations.js';
import { LOSS_METHODS, METHOD_PARAMS, surfaceUnderMethod } from '../methods.js';
import { type Figure, vegaLite } from '../render/figure.js';
import { sharedDomain } from '../render/colour-scale.js';
import { abbreviate } from '../render/formula-lines.js';
import { escapeHtml } from '../render/html.js';
import { heatmapUnit, landscapeResidual, landscapeSurfaces, surfaceCells } from './landscape.js';

/**
 * The paper's printed gradient-descent brackets, Eqs. (10)-(18), as the coefficients of
 * dL1/dw and dL2/dw, so they can be evaluated and compared with the core's derivative.
 * Eqs. (17), (18) multiply two derivatives; they are read with dReLU(u)/dw as ReLU'(u) = [u > 0]
 * and dStep1/dw = (A - B) dL1/dw - B dL2/dw.
 */
const PRINTED_DERIVATIVES: Record<number, (t: EquationTerms) => [Node, Node]> = {
  1: ({ A }) => [node(A), sub(1, A)],
  2: ({ A, B }) => [node(A), node(B)],
  3: ({ L1, L2, A }) => [node(0), mul(A, L1, expNode(mul(sub(1, A), L2)), sub(1, A))],
  4: ({ A, B }) => [mul(A, sub(A, sub(1, A))), add(neg(mul(A, B)), B)],
  5: ({ A, B }) => [mul(A, sub(A, sub(1, A))), add(neg(mul(A, B)), sub(1, A))],
  6: ({ L1, L2, A, B }) => {
    const step1 = sub(sub(mul(A, L1), mul(sub(1, A), L1)), mul(B, L2));
    const twoRoot = mul(2, sqrt(add(mul(A, step1), mul(sub(1, A), L2))));
    return [div(mul(A, sub(A, sub(1, A))), twoRoot), add(div(neg(mul(A, B)), twoRoot), div(sub(1, A), twoRoot))];
  },
  7: ({ A, B }) => [mul(A, sub(A, B)), add(neg(mul(A, B)), B)],
  8: (t) => printedRelu(t),
  9: (t) => printedRelu(t),
};

function node(x: EquationTerms['A']): Node {
  return typeof x === 'number' ? mul(x, 1) : x;
}

function printedRelu({ L1, L2, A, B }: EquationTerms): [Node, Node] {
  const step1 = sub(sub(mul(A, L1), mul(B, L1)), mul(B, L2));
  const slope = where(gt(add(mul(A, step1), mul(B, L2)), 0), 1, 0);
  return [mul(A, slope, sub(A, B)), add(mul(A, slope, neg(B)), mul(B, slope))];
}

/**
 * For typesetting only: the expression below the catalogue's exponential cap, where its
 * exponential is plain e^x (x < EXP_CAP): [x < cap] -> 1, min(x, cap) -> x, where(1, a, b) -> a.
 */
export function belowExpCap(expr: Node): Node {
  const isCap = (n: Node) => n.op === 'const' && n.attrs.value === EXP_CAP;
  const [out] = rewrite([expr], (node, args) => {
    if ((node.op === 'lt' || node.op === 'le') && isCap(args[1]!)) return constant(1);
    if (node.op === 'min' && isCap(args[1]!)) return args[0]!;
    if (node.op === 'where' && args[0]!.op === 'const' && typeof args[0]!.attrs.value === 'number')
      return args[0]!.attrs.value !== 0 ? args[1]! : args[2]!;
    return args.every((a, i) => a === node.args[i]) ? node : makeNode(node.op, args, node.attrs);
  });
  return simplify(out!);
}

export interface DerivativeComparison {
  readonly equation: number;
  /** the core's symbolic dE/dL1 and dE/dL2 (simplified) */
  readonly core: [Node, Node];
  readonly printed: [Node, Node];
  /** largest |core - printed| over the sample points, per coefficient */
  readonly maxDifference: [number, number];
  /** sample points where the printed form is not a finite number */
  readonly undefinedPoints: number;
  readonly agrees: boolean;
}

/** Sample points (L1, L2, A, B) in the open unit box from a fixed low-discrepancy sequence. */
export function samplePoints(count: number): { L1: Float64Array; L2: Float64Array; A: Float64Array; B: Float64Array } {
  const golden = [0.7548776662466927, 0.5698402909980532, 0.4245702226, 0.3236732];
  const column = (d: number) => Float64Array.from({ length: count }, (_, i) => 0.05 + 0.9 * (((i + 1) * golden[d]!) % 1));
  return { L1: column(0), L2: column(1), A: column(2), B: column(3) };
}

/** The core's derivative of each equation against the printed one, at the sample points. */
export function compareDerivatives(points = 64, tolerance = 1e-9): DerivativeComparison[] {
  const L1 = input('L1', ['batch']);
  const L2 = input('L2', ['batch']);
  const A = input('A', ['batch']);
  const B = input('B', ['batch']);
  const columns = samplePoints(points);
  return PAPER_EQUATIONS.map((eq) => {
    const terms = { L1, L2, A, B };
    const core = gradient(eq.build(terms), [L1, L2]) as [Node, Node];
    const printed = PRINTED_DERIVATIVES[eq.number]!(terms);
    let undefinedPoints = 0;
    const maxDifference = [0, 1].map((k) => {
      const a = evaluateColumns(core[k]!, columns);
      const b = evaluateColumns(printed[k]!, columns);
      let worst = 0;
      a.forEach((v, i) => {
        // the printed form can be undefined where the core's is not (a root of a negative number)
        if (!Number.isFinite(b[i]!)) undefinedPoints += k === 0 ? 1 : 0;
        else worst = Math.max(worst, Math.abs(v - b[i]!) / Math.max(1, Math.abs(b[i]!)));
      });
      return worst;
    }) as [number, number];
    const agrees = undefinedPoints === 0 && maxDifference.every((d) => d <= tolerance);
    return { equation: eq.number, core, printed, maxDifference, undefinedPoints, agrees };
  });
}

/** Why the printed derivative differs, where it does (read off the equations). */
const DIFFERENCE_NOTES: Record<number, string> = {
  3: 'The printed form drops the ∂L1/∂w term A·e^{(1−A)L2} of the product rule.',
  6: 'The printed form drops the derivative of the exponential term; the core also takes the square root of relu(u) + 10⁻⁶, so its slope is finite at u = 0.',
  7: 'The printed form drops the derivative of the exponential term A·L1·e^{B·L2}.',
  8: 'The printed form multiplies two derivatives and drops the exponential term; read as ReLU′(u)·∂Step1 it still lacks A·e^{B·L2}·∂L1 and A·L1·B·e^{B·L2}·∂L2.',
  9: 'The printed form repeats Eq. (17) (ReLU, not Bi-eLU) and drops the exponential term.',
};

/**
 * Inline (not display) math in display style: KaTeX can break inline math after a top-level
 * relation or operator, so a long formula wraps at the page width instead of running past it.
 */
const tex = (s: string): string =>
  katex.renderToString(`\\displaystyle ${s}`, { displayMode: false, throwOnError: true, output: 'htmlAndMathml' });

/** The core's two partials as lines that wrap, long parts named u_1, u_2, ... (`abbreviate`). */
function coreLines(partials: readonly Node[]): string {
  const { roots, definitions } = abbreviate(partials.map(belowExpCap));
  const lines = roots.map(
    (d, k) => `<span class="line">${tex(`\\frac{\\partial E}{\\partial L_{${k + 1}}} = ${toLatex(d)}`)}</span>`,
  );
  const where = definitions.map(
    ({ symbol, value }, k) => `<span class="where">${k === 0 ? 'where ' : ''}${tex(`${toLatex(symbol)} = ${toLatex(value)}`)}</span>`,
  );
  return `<span class="lines">${[...lines, ...where].join('')}</span>`;
}

function derivativeTable(comparisons: readonly DerivativeComparison[]): string {
  const blocks = comparisons.map((c) => {
    const eq = PAPER_EQUATIONS.find((e) => e.number === c.equation)!;
    const verdict = c.agrees
      ? '<span class="ok">agrees</span>'
      : `<span class="flag">differs</span> <small>(max relative difference of the ∂L1 coefficient ${c.maxDifference[0].toExponential(2)}, of the ∂L2 coefficient ${c.maxDifference[1].toExponential(2)}${c.undefinedPoints > 0 ? `; the printed form is undefined at ${c.undefinedPoints} of the points` : ''})</small>`;
    const note = c.agrees ? '' : `<p class="note">${escapeHtml(DIFFERENCE_NOTES[c.equation] ?? '')}</p>`;
    return `<div class="derivative" id="derivative-${c.equation}">
<h4>Eq. (${c.equation}) ${escapeHtml(eq.title)}, printed as Eq. (${c.equation + 9}): ${verdict}</h4>${note}
<div class="formula"><span class="label">paper</span><span class="lines">${tex(`w_{\\text{new}} = w_{\\text{old}} - a\\Bigl(${eq.core.paperDerivative}\\Bigr)`)}</span></div>
<div class="formula"><span class="label">core</span>${coreLines(c.core)}</div>
</div>`;
  });
  return `<h3>Derivatives: the paper's Eqs. (10)-(18) against the core's symbolic gradient</h3>
<p>For each equation: the update the paper prints, and the core's gradient of the same equation with respect to the base losses (∂L/∂w = ∂E/∂L1 · ∂L1/∂w + ∂E/∂L2 · ∂L2/∂w; from <code>gradient</code>, simplified, typeset from <code>toLatex</code>; subexpressions longer than a line are named u₁, u₂, … and given below the partials, so every formula wraps at the page width). Both are evaluated at 64 points with L1, L2, A, B in (0.05, 0.95), and an equation is flagged when they differ. The core's forms are typeset where the exponent is below 30: beyond it the catalogue's exponential continues along its tangent so it never overflows (docs/paper.md); the check uses the complete gradient.</p>
<div class="derivatives">
${blocks.join('\n')}
</div>`;
}

export interface Trajectory {
  readonly method: string;
  readonly ema: 'literal' | 'stateful';
  readonly start: number;
  readonly x: number[];
  readonly y: number[];
  readonly value: number[];
}

export const STARTS: readonly [number, number][] = [
  [2.5, -1.5],
  [-6.5, 7.5],
  [2, 7],
  [-6, -1],
];

/**
 * Plain gradient descent (x, y) <- (x, y) - eta * grad V on each method's landscape, all starts
 * as one batch; the gradient is the core's symbolic gradient of V with respect to x and y.
 * With ema 'stateful' only the methods with an EMA term run, and their moving average (one per
 * start) is carried from step to step: the dynamic reading of Eqs. (4)-(9).
 */
export function descend(steps: number, eta: number, scale: number, ema: 'literal' | 'stateful' = 'literal'): Trajectory[] {
  const { x, y, z } = landscapeResidual(scale);
  const methods = ema === 'stateful' ? LOSS_METHODS.filter((m) => m.dynamic) : LOSS_METHODS;
  return methods.flatMap((m) => {
    // EMA terms lowered to arithmetic over state leaves first: the gradient then treats the moving
    // average's past as a constant (d ema / d x = (1 - d) / (1 - d^t), as the core's ema rule) and
    // value, gradient and the next state come from one evaluation
    const { roots, slots } = lowerState([surfaceUnderMethod(m, z, ema)]);
    const V = roots[0]!;
    const [dx, dy] = gradient(V, [x, y]) as [Node, Node];
    let xs = Float64Array.from(STARTS, (s) => s[0]);
    let ys = Float64Array.from(STARTS, (s) => s[1]);
    let state: Record<string, Tensor> = {};
    const paths: Trajectory[] = STARTS.map((_, k) => ({ method: m.key, ema, start: k, x: [], y: [], value: [] }));
    for (let t = 0; t <= steps; t++) {
      const inputs = { x: { shape: [xs.length], data: xs }, y: { shape: [ys.length], data: ys } };
      const { values } = evaluate([V, dx, dy, ...slots.map((s) => s.next)], { inputs, params: METHOD_PARAMS, state });
      state = Object.fromEntries(slots.map((s, k) => [s.name, values[3 + k]!]));
      const [v, gx, gy] = values.map((tensor) => tensor.data) as [Float64Array, Float64Array, Float64Array];
      paths.forEach((p, k) => {
        p.x.push(xs[k]!);
        p.y.push(ys[k]!);
        p.value.push(v[k]!);
      });
      if (t === steps) break;
      xs = xs.map((xv, k) => xv - eta * gx[k]!);
      ys = ys.map((yv, k) => yv - eta * gy[k]!);
    }
    return paths;
  });
}


export function gradientDescentAnalysis(options: { n?: number; steps?: number } = {}): Analysis {
  const n = options.n ?? 41;
  const steps = options.steps ?? 60;
  const comparisons = compareDerivatives();
  const { scale, surfaces } = landscapeSurfaces(n);
  // step 0.1 * scale: on the unscaled bowl f each step shrinks the distance to the minimum by 0.8
  const eta = 0.1 * scale;
  const paths = [...descend(steps, eta, scale, 'literal'), ...descend(steps, eta, scale, 'stateful')];
  const labelOf = (key: string) => LOSS_METHODS.find((m) => m.key === key)!.label;
  const cells = surfaces.flatMap((s) => surfaceCells(s, { kind: 'cell' }));
  const domain = sharedDomain(cells.map((c) => c.value as number | null));
  const pathRows = paths.flatMap((p) =>
    p.x.map((xv, t) => ({
      kind: 'path',
      method: labelOf(p.method),
      ema: p.ema,
      path: `${p.ema}-${p.start}`,
      start: p.start,
      step: t,
      x: xv,
      y: p.y[t]!,
      value: finiteOrNull(p.value[t]!),
    })),
  );
  const figure: Figure = {
    name: 'trajectories',
    title: 'Gradient-descent trajectories on the landscapes of Fig. 2',
    caption: `${STARTS.length} starts (white dots), ${steps} steps of plain gradient descent with step ${eta.toFixed(2)} (0.1 × the scale) on each method's landscape; gradients from the core. Red: the printed (stateless) equations. White dashes, in (e) and (f): the EMA term as a true moving average over the descent steps (decay 0.9, bias-corrected); it moves along the same rays, more slowly.`,
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: [...cells, ...pathRows] },
      facet: { field: 'method', type: 'nominal', title: null, sort: null },
      columns: 3,
      spec: {
        width: 190,
        height: 190,
        layer: [
          { ...heatmapUnit('loss', domain), transform: [{ filter: "datum.kind === 'cell'" }, ...heatmapUnit('loss', domain).transform] },
          ...(['literal', 'stateful'] as const).map((ema) => ({
            transform: [{ filter: `datum.kind === 'path' && datum.ema === '${ema}'` }],
            mark:
              ema === 'literal'
                ? { type: 'line', color: '#ff5a36', strokeWidth: 2, clip: true }
                : { type: 'line', color: 'white', strokeWidth: 1.5, strokeDash: [3, 2], clip: true },
            encoding: {
              x: { field: 'x', type: 'quantitative' },
              y: { field: 'y', type: 'quantitative' },
              detail: { field: 'path', type: 'nominal' },
              order: { field: 'step', type: 'quantitative' },
            },
          })),
          {
            transform: [{ filter: "datum.kind === 'path' && datum.step === 0" }],
            mark: { type: 'point', filled: true, color: 'white', stroke: 'black', strokeWidth: 0.5, size: 30, opacity: 1 },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
        ],
      },
      resolve: { axis: { x: 'independent', y: 'independent' } },
    }),
    rows: pathRows,
  };
  const dynamicRows = paths
    .filter((p) => LOSS_METHODS.find((m) => m.key === p.method)!.dynamic)
    .flatMap((p) => p.value.map((v, t) => ({ method: labelOf(p.method), ema: p.ema, path: `${p.ema}-${p.start}`, start: p.start, step: t, value: finiteOrNull(v) })));
  const dynamicFigure: Figure = {
    name: 'ema-steps',
    title: 'The EMA methods along the descent: printed vs moving-average form',
    caption:
      'Loss along each path of (e) and (f), one line per start. Literal: Step2 of the current point. Stateful: the moving average of Step2 over the steps so far (decay 0.9); its gradient is scaled by (1 − d)/(1 − dᵗ), so it lags and descends more slowly.',
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: dynamicRows },
      facet: { column: { field: 'method', type: 'nominal', title: null } },
      spec: {
        width: 300,
        height: 200,
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'loss' },
          color: { field: 'ema', type: 'nominal', title: 'EMA term', scale: { range: ['#ff5a36', '#3b6ea8'] } },
          detail: { field: 'path', type: 'nominal' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    }),
    rows: dynamicRows,
  };
  const finals = paths.map((p) => {
    const last = p.x.length - 1;
    return [labelOf(p.method), p.ema, `(${STARTS[p.start]![0]}, ${STARTS[p.start]![1]})`, p.x[last]!, p.y[last]!, p.value[0]!, p.value[last]!];
  });
  return {
    id: 'gradient-descent',
    title: '6. Gradient-descent analysis',
    summary:
      'Two halves. First the algebra: the paper derives the update w ← w − a ∂L/∂w for Eqs. (1)-(9) as Eqs. (10)-(18). The core differentiates every equation symbolically; the table compares the two at sample points and flags each printed derivative that is not the derivative of its equation.\n\nThen the dynamics: plain gradient descent on the six landscapes of analysis 1, started from the same four points. Without a loss method (a) every path runs to the single minimum (−2, 3); with a method built on |z| and z², paths stop on the nearest point of the valley circle f = 0 instead: the methods trade the single minimum of the bowl for a ring of minima where the residual vanishes. With a fixed step the kink of |z| keeps the paths hopping across that ring by about one step.\n\nThe EMA methods (e) and (f) also run in their dynamic reading: the moving average of Step2 is carried from step to step (decay 0.9, bias-corrected). Its gradient is the printed one scaled by (1 − d)/(1 − dᵗ), so the paths follow the same rays more slowly and their loss lags behind.',
    figures: [figure, dynamicFigure],
    html: derivativeTable(comparisons),
    tables: [
      {
        title: 'Where each path ends',
        columns: ['method', 'EMA term', 'start', 'final x', 'final y', 'initial loss', 'final loss'],
        rows: finals,
      },
    ],
    data: {
      derivatives: comparisons.map((c) => ({
        equation: c.equation,
        core: c.core.map((n) => toLatex(n)),
        maxDifference: c.maxDifference,
        undefinedPoints: c.undefinedPoints,
        agrees: c.agrees,
      })),
      eta,
      scale,
    },
  };
}
