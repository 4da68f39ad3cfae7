import { ParseError, evaluate } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { readFormula } from './formula.js';

describe('readFormula', () => {
  it('shows the formula and its simplified derivatives over the terms, and trains the bound loss', () => {
    const f = readFormula('A*CE + (1-A)*Dice*exp(Dice)');
    expect(f.latex).toBe('A \\cdot \\mathrm{CE} + \\left(1 - A\\right) \\cdot \\mathrm{Dice} \\cdot \\exp\\left(\\mathrm{Dice}\\right)');
    expect(f.derivatives.map((d) => d.name)).toEqual(['CE', 'Dice']);
    expect(f.derivatives[0]!.latex).toBe('A');
    expect(f.derivatives[1]!.latex).toContain('\\exp');
    expect(f.params).toEqual(['A']);
    expect(f.loss.roles).toEqual([]);
    // the trained loss is the formula with the terms bound: at A = 1 it is cross-entropy
    const inputs = {
      pred: { shape: [1, 2, 1], data: Float64Array.from([0.3, -0.2]) },
      target: { shape: [1, 2, 1], data: Float64Array.from([0, 1]) },
    };
    const value = evaluate(f.loss, { inputs, params: { A: 1 } }).value.data[0]!;
    expect(value).toBeCloseTo(-Math.log(Math.exp(-0.2) / (Math.exp(0.3) + Math.exp(-0.2))), 12);
  });

  it('passes the parser message through for a bad formula', () => {
    expect(() => readFormula('A*(CE')).toThrow(ParseError);
    expect(() => readFormula('CE + foo(Dice)')).toThrow(/unknown function 'foo'/);
  });

  it('refuses formulas that are not one number or do not depend on the prediction', () => {
    expect(() => readFormula('softmax(pred)')).toThrow(/must be one number/);
    expect(() => readFormula('2 * A')).toThrow(/nothing to train/);
  });
});
