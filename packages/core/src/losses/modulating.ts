import { max, pow, square } from '../builders.js';
import type { Node } from '../ir/node.js';
import { float32Floor } from './float32.js';

/**
 * x^gamma for x in [0, 1] (focal modulating factors), with a gradient that stays finite at x = 0:
 * for 0 < gamma < 1 the slope gamma x^(gamma-1) is infinite at 0, so x is floored at eps there.
 */
export function modulating(x: Node, gamma: number, eps: number): Node | null {
  if (gamma === 0) return null;
  if (gamma === 1) return x;
  if (gamma === 2) return square(x);
  return gamma > 1 ? pow(x, gamma) : pow(max(x, float32Floor(eps)), gamma);
}
