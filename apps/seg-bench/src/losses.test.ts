import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateScalar } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { buildLoss, formulaLoss, paperLoss } from './losses.js';

/** Two pixels, three classes: logits [1, 3, 2] and labels [1, 2]. */
const env = {
  inputs: {
    pred: { shape: [1, 3, 2], data: Float64Array.from([2, 0, 0, 1, -1, 0]) },
    labels: { shape: [1, 2], data: Float64Array.from([0, 1]) },
  },
};

describe('losses', () => {
  it('builds the paper experiments over sparse labels', () => {
    const loss = paperLoss(27, { numClasses: 3, ema: 'literal' });
    expect(Object.keys(loss.inputs).sort()).toEqual(['labels', 'pred']);
    expect(() => paperLoss(28, { numClasses: 3, ema: 'literal' })).toThrow('no paper experiment 28: the paper has experiments 1..27');
  });

  it('reads formulas over CE, L1, L2, probs, pred, target and labels; CE equals experiment 1', () => {
    const ce = formulaLoss('CE', 3);
    const exp1 = paperLoss(1, { numClasses: 3, ema: 'literal' });
    expect(evaluateScalar(ce.expr, env)).toBeCloseTo(evaluateScalar(exp1.expr, env), 12);
    const hybrid = formulaLoss('CE + 0.5*L1*exp(0.5*L2) + mean(abs(probs - target))', 3);
    expect(Object.keys(hybrid.inputs).sort()).toEqual(['labels', 'pred']);
    expect(Number.isFinite(evaluateScalar(hybrid.expr, env))).toBe(true);
  });

  it('explains formulas that cannot be a loss', () => {
    expect(() => formulaLoss('probs - target', 3)).toThrow(/is not a scalar .* reduce it with mean/);
    expect(() => formulaLoss('mean(labels)', 3)).toThrow(/does not depend on the prediction/);
    expect(() => formulaLoss('CE + K', 3)).toThrow(/K/);
  });

  it('imports a loss module exporting a Loss factory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loss-module-'));
    try {
      const file = join(dir, 'my-loss.mjs');
      const core = import.meta.resolve('@losskit/core');
      writeFileSync(file, `import { paperExperiments } from '${core}';\nexport const loss = (n) => paperExperiments[0].build({ numClasses: n });\n`);
      const loss = await buildLoss({ kind: 'module', path: file }, { numClasses: 3, ema: 'literal' });
      expect(loss.name).toBe(paperLoss(1, { numClasses: 3, ema: 'literal' }).name);
      writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
      await expect(buildLoss({ kind: 'module', path: join(dir, 'empty.mjs') }, { numClasses: 3, ema: 'literal' })).rejects.toThrow(
        /export 'loss' \(or a default export\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
