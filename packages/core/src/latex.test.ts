import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { input, mean } from './builders.js';
import { latexName, toLatex } from './latex.js';
import { parse } from './parse.js';
import { expressionArbitrary } from './testing/arbitrary.js';

const pred = input('pred');
const target = input('target');
const tex = (text: string): string => toLatex(parse(text, { names: { pred, target }, params: 'auto' }));

/** Braces balance and every \left has its \right, in order. */
function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      i++; // an escaped character (\{ \} \\) is not a group
      continue;
    }
    if (s[i] === '{') depth++;
    if (s[i] === '}' && --depth < 0) return false;
  }
  const fences = s.match(/\\left|\\right/g) ?? [];
  let open = 0;
  for (const f of fences) if ((open += f === '\\left' ? 1 : -1) < 0) return false;
  return depth === 0 && open === 0;
}

describe('toLatex', () => {
  it.each([
    ['A*L1 + (1 - A)*L2', 'A \\cdot L_{1} + \\left(1 - A\\right) \\cdot L_{2}'],
    ['A*L1*exp((1-A)*L2)', 'A \\cdot L_{1} \\cdot \\exp\\left(\\left(1 - A\\right) \\cdot L_{2}\\right)'],
    ['sqrt(A*L1 + B*L2)', '\\sqrt{A \\cdot L_{1} + B \\cdot L_{2}}'],
    ['relu(L1) - elu(-L1, 0.5)', '\\operatorname{ReLU}\\left(L_{1}\\right) - \\operatorname{eLU}_{0.5}\\left(-L_{1}\\right)'],
    ['L1 + -L2', 'L_{1} + \\left(-L_{2}\\right)'],
    ['(L1 / L2)^2', '{\\left(\\frac{L_{1}}{L_{2}}\\right)}^{2}'],
    ['mean(abs(pred - target), "spatial")', '\\operatorname{mean}_{\\text{spatial}} \\left(\\left|\\mathrm{pred} - \\mathrm{target}\\right|\\right)'],
    ['sum(pred)', '\\sum \\left(\\mathrm{pred}\\right)'],
    ['where(pred > 0, pred, 1e-7 * pred)', '\\begin{cases} \\mathrm{pred} & \\text{if } \\mathrm{pred} > 0 \\\\ 1 \\cdot 10^{-7} \\cdot \\mathrm{pred} & \\text{otherwise} \\end{cases}'],
    ['(pred >= target) * 2', '\\left[\\mathrm{pred} \\geq \\mathrm{target}\\right] \\cdot 2'],
    ['ema(L1, 0.9, "l1") / size("batch")', '\\frac{\\operatorname{EMA}_{0.9}\\left(L_{1}\\right)}{n_{\\text{batch}}}'],
  ])('writes %s as %s', (formula, expected) => {
    expect(tex(formula)).toBe(expected);
    expect(balanced(expected)).toBe(true);
  });

  it('writes names in math style', () => {
    expect(latexName('L1')).toBe('L_{1}');
    expect(latexName('A')).toBe('A');
    expect(latexName('alpha')).toBe('\\alpha');
    expect(latexName('y_true')).toBe('y_{\\mathrm{true}}');
    expect(latexName('ema.mean')).toBe('\\mathrm{ema.mean}');
    expect(latexName('a_b_c')).toBe('\\mathrm{a\\_b\\_c}');
  });

  it('gives balanced LaTeX for random graphs over every op', () => {
    fc.assert(
      fc.property(expressionArbitrary(), (e) => {
        const s = toLatex(e);
        return balanced(s) && !/undefined|\[object/.test(s);
      }),
      { numRuns: 300 },
    );
  });

  it('checks its own brace check', () => {
    expect(balanced('{a}}')).toBe(false);
    expect(balanced('\\left(x')).toBe(false);
    expect(balanced('\\{ \\right) \\left(')).toBe(false);
    expect(balanced(toLatex(mean(pred)))).toBe(true);
  });
});
