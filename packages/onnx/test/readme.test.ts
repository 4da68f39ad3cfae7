import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogue, evaluate, gradient, leaves, param, weightedSum } from '@losskit/core';
import { describe, expect, it } from 'vitest';

/** Runs the README's example block as written (the package import pointed at src/). */
describe('README example', () => {
  it('composes a loss, exports it, and runs it through a session and from the file', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ```ts example block').toBeDefined();
    const dir = join(import.meta.dirname, '__readme__');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'example.ts');
    await writeFile(file, block!.replace("from '@losskit/onnx'", "from '../../src/index.js'"));
    const { example } = (await import(file)) as { example: { value: number; fromFile: number; gradient: Float32Array } };

    // the same loss in the core's float64 reference
    const loss = weightedSum('ceDice', [
      { loss: catalogue.categoricalCrossEntropy() },
      { loss: catalogue.dice(), weight: param('lambda', { default: 0.5 }) },
    ]);
    const inputs = { pred: { shape: [1, 2, 1, 2], data: [2, -1, -1, 2] }, target: { shape: [1, 2, 1, 2], data: [1, 0, 0, 1] } };
    const reference = evaluate([loss.expr, gradient(loss.expr, leaves([loss.expr], 'input').get('pred')!)], {
      inputs,
      params: { lambda: 1 },
    });
    expect(example.value).toBeCloseTo(reference.value.data[0]!, 5);
    expect(example.fromFile).toBeCloseTo(reference.value.data[0]!, 5);
    Array.from(reference.values[1]!.data).forEach((want, i) => {
      expect(example.gradient[i]).toBeCloseTo(want, 5);
    });
  });
});
