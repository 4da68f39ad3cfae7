import { ALL_OPS, type Node, catalogueCases, evaluate, gradient, leaves, sum } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { conformanceCases } from './conformance.js';
import { finiteDifference } from './finite-difference.js';
import { makeInputs } from './make-inputs.js';
import { opCases } from './op-cases.js';
import { compareArrays } from './tolerance.js';

const sizes = { batch: 2, class: 3, spatial: [2, 2] };
/**
 * Rows whose symbolic gradient is deliberately not the total derivative: d/dx [sg(x) x] is sg(x) = x
 * by the definition of stopGradient, half of the numeric 2x.
 */
const SYMBOLIC_OVER_NUMERIC: Record<string, number> = { 'op/stopGradient': 0.5 };

describe('op table', () => {
  it('exercises every op of the IR', () => {
    const seen = new Set<string>();
    const visit = (n: Node) => {
      seen.add(n.op);
      n.args.forEach(visit);
    };
    for (const c of opCases()) visit(c.expr);
    expect(ALL_OPS.filter((op) => !seen.has(op) && op !== 'state')).toEqual([]);
  });

  it('includes every catalogue case and all 27 paper experiments in both ema modes', () => {
    const names = new Set(conformanceCases().map((c) => c.name));
    for (const { name } of catalogueCases(3)) expect(names.has(`catalogue/${name}`)).toBe(true);
    for (let id = 1; id <= 27; id++)
      for (const mode of ['literal', 'stateful']) expect(names.has(`paper/${id}/${mode}`), `paper/${id}/${mode}`).toBe(true);
  });

  it('has unique case names across the whole suite', () => {
    const names = conformanceCases().map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  // The oracle itself: the core's symbolic gradient on each row agrees with central differences.
  for (const c of opCases()) {
    it(`${c.name}: reference gradient matches finite differences`, () => {
      const inputs = makeInputs(c, sizes, 11);
      c.adjust?.(inputs);
      const nodes = leaves([c.expr], 'input');
      const total = sum(c.expr);
      for (const [name, spec] of Object.entries(c.inputs)) {
        if (!['logits', 'probability', 'real', 'positive'].includes(spec.domain)) continue;
        const symbolic = evaluate(gradient(total, nodes.get(name)!), { inputs, params: c.params }).value.data;
        const f = (data: Float64Array) =>
          evaluate(total, { inputs: { ...inputs, [name]: { shape: inputs[name]!.shape, data } }, params: c.params }).value
            .data[0]!;
        const scale = SYMBOLIC_OVER_NUMERIC[c.name] ?? 1;
        const numeric = finiteDifference(f, inputs[name]!.data, 1e-6).map((g) => g * scale);
        expect(compareArrays(`d/d${name}`, numeric, symbolic, { rtol: 1e-5, atol: 1e-7 })).toBeUndefined();
      }
    });
  }
});
