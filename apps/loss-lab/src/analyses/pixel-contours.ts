import { abs, add, div, input, log, mul, neg, square, sub } from '@losskit/core';
import { evaluateColumns, linspace, meshgrid } from '../core-eval.js';
import { covariates } from '../equations.js';
import { LOSS_METHODS, METHOD_PARAMS } from '../methods.js';
import type { ContourPanel } from './contours.js';

/**
 * Fig. 4 on a quantity where the methods differ: one pixel of a three-class model.
 *
 * On a scalar residual z every method is a function of |z| alone, and (b), (c), (d), (f) are
 * increasing ones: they are monotone transforms of each other and share their level sets (rank
 * correlation 1). A pixel of a C-class model has two numbers, L1_px = mean_c |p_c − t_c| and
 * L2_px = mean_c (p_c − t_c)² (the per-pixel reading, docs/paper.md §1a), and they are not tied
 * to each other: at one true-class probability, L1_px is fixed while L2_px grows as the wrong mass
 * concentrates on one class. Over the predictions of a pixel with C = 3, true class 1,
 *
 *   x = p_1 (the true-class probability), y = s (the share of the wrong mass on class 2),
 *   p = (x, (1 − x) s, (1 − x)(1 − s)),
 *   L1_px = 2 (1 − x) / 3,   L2_px = (1 − x)² (1 + s² + (1 − s)²) / 3,
 *
 * each method's term has level lines of its own: CE = −log x and L1 are vertical lines, L2 bends
 * them towards s = 0 and s = 1 (a confident wrong class), and the EMA term, whose Step1 subtracts
 * L1 and B·L2, bends them the other way.
 */
export const PIXEL_GRID = { x: [0, 1], y: [0, 1] } as const;

export interface PixelPanel extends ContourPanel {
  readonly method: string;
  readonly letter: string;
}

export function pixelMethodGrids(n: number): PixelPanel[] {
  const xs = linspace(PIXEL_GRID.x[0], PIXEL_GRID.x[1], n);
  const ys = linspace(PIXEL_GRID.y[0], PIXEL_GRID.y[1], n);
  const mesh = meshgrid(xs, ys);
  const p1 = input('p1', ['batch']);
  const s = input('s', ['batch']);
  const wrong = sub(1, p1);
  const p2 = mul(wrong, s);
  const p3 = mul(wrong, sub(1, s));
  // target (1, 0, 0): |p1 − 1| + |p2| + |p3|, and the squares, averaged over the three classes
  const L1 = div(add(abs(sub(p1, 1)), abs(p2), abs(p3)), 3);
  const L2 = div(add(square(sub(p1, 1)), square(p2), square(p3)), 3);
  const columns = { p1: mesh.x, s: mesh.y };
  return LOSS_METHODS.map((m) => {
    // (a) no loss method: the cross-entropy every experiment starts from; the others: the term
    // each adds to it, on the pixel's L1 and L2
    const expr = m.term ? m.term({ L1, L2, A: covariates.A, B: covariates.B }) : neg(log(p1));
    return {
      method: m.key,
      letter: m.letter,
      title: m.term ? `(${m.letter}) ${m.short} term` : '(a) CE = −log p₁',
      xs,
      ys,
      values: evaluateColumns(expr, columns, METHOD_PARAMS),
    };
  });
}
