import { describe, expect, it } from 'vitest';
import { makeInputs } from './make-inputs.js';
import type { CaseSizes, InputSpec } from './types.js';

const sizes: CaseSizes = { batch: 2, class: 4, spatial: [3, 5] };
const all = ['batch', 'class', 'spatial'] as const;
const loss = {
  inputs: {
    pred: { roles: all, domain: 'logits' },
    prob: { roles: all, domain: 'probability' },
    target: { roles: all, domain: 'onehot' },
    labels: { roles: ['batch', 'spatial'], domain: 'labels' },
    mask: { roles: ['batch', 'spatial'], domain: 'mask' },
    scale: { roles: ['class'], domain: 'positive' },
    bias: { roles: [], domain: 'real' },
  } satisfies Record<string, InputSpec>,
};

describe('makeInputs', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(makeInputs(loss, sizes, 7)).toEqual(makeInputs(loss, sizes, 7));
    expect(makeInputs(loss, sizes, 7).pred!.data).not.toEqual(makeInputs(loss, sizes, 8).pred!.data);
  });

  it('shapes each input by the roles it spans', () => {
    const inputs = makeInputs(loss, sizes, 1);
    expect(inputs.pred!.shape).toEqual([2, 4, 3, 5]);
    expect(inputs.labels!.shape).toEqual([2, 3, 5]);
    expect(inputs.scale!.shape).toEqual([4]);
    expect(inputs.bias!.shape).toEqual([]);
    expect(inputs.bias!.data.length).toBe(1);
  });

  it('draws each domain in its range, exactly representable in float32', () => {
    const inputs = makeInputs(loss, sizes, 3);
    const within = (name: string, lo: number, hi: number) =>
      inputs[name]!.data.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
        expect(Math.fround(v)).toBe(v);
      });
    within('pred', -3, 3);
    within('prob', 0.05, 0.95);
    within('scale', 0.5, 2);
    within('bias', -2, 2);
    for (const v of [...inputs.mask!.data, ...inputs.target!.data]) expect([0, 1]).toContain(v);
    for (const v of inputs.labels!.data) expect([0, 1, 2, 3]).toContain(v);
  });

  it('derives the one-hot target from the same labels', () => {
    const { target, labels } = makeInputs(loss, sizes, 5);
    const positions = 15;
    for (let b = 0; b < 2; b++)
      for (let s = 0; s < positions; s++) {
        const label = labels!.data[b * positions + s]!;
        for (let c = 0; c < 4; c++) expect(target!.data[(b * 4 + c) * positions + s]).toBe(label === c ? 1 : 0);
      }
  });
});
