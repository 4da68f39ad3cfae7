import { catalogue, paperExperiments } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { toOnnx } from './to-onnx.js';

/**
 * Golden text forms (one line per ONNX node) of a few emitted graphs: a change to the lowering
 * shows up here as a reviewed diff. Regenerate with `npx vitest run -u src/golden.test.ts`.
 */
const GOLDEN = {
  'categorical-cross-entropy': () => catalogue.categoricalCrossEntropy(),
  dice: () => catalogue.dice(),
  focal: () => catalogue.focal(),
  'experiment-07-literal': () => paperExperiments.find((e) => e.id === 7)!.build({ ema: 'literal', numClasses: 3 }),
  'experiment-12-stateful': () => paperExperiments.find((e) => e.id === 12)!.build({ ema: 'stateful', numClasses: 3 }),
};

describe('golden graphs', () => {
  for (const [name, build] of Object.entries(GOLDEN))
    it(name, async () => {
      const model = toOnnx(build(), { gradients: ['pred'] });
      const text = `# ${model.formula}\n# ${model.nodeCount} nodes\n${model.text}\n`;
      await expect(text).toMatchFileSnapshot(`./__fixtures__/${name}.txt`);
    });
});
