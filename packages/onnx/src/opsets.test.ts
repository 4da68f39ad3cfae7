import { type Tensor as CoreTensor, evaluate, gradient, input, leaves, mean } from '@losskit/core';
import { compareArrays, makeInputs } from '@losskit/test-utils';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { exportableLosses } from './export-models.js';
import { GraphBuilder } from './graph-builder.js';
import { createLossSession } from './session.js';
import { toOnnx } from './to-onnx.js';

const OPSETS = [13, 17, 18, 21, 26];
const sizes = { batch: 2, class: 3, spatial: [3, 2] };
const tol = { rtol: 3e-3, atol: 3e-5 };

describe('every opset toOnnx accepts is a valid graph at that opset', () => {
  const losses = exportableLosses(sizes.class);
  /** Data and the float64 reference per loss, shared by the opsets. */
  const cases = losses.map(({ file, loss }, i) => {
    const inputs = makeInputs(loss, sizes, 700 + i);
    const pred = leaves([loss.expr], 'input').get('pred');
    // unsimplified: see session.test.ts (the reference rejects a second ema term of one slot)
    const grad = pred ? [gradient(loss.expr, pred, { simplify: false })] : [];
    return { file, loss, inputs, pred, reference: () => evaluate([loss.expr, ...grad], { inputs, params: loss.params }) };
  });
  const references = new Map<string, ReturnType<(typeof cases)[number]['reference']>>();

  for (const opset of OPSETS)
    it(`runs every catalogue loss and paper experiment at opset ${opset} in ORT like evaluate`, async () => {
      expect(cases.length).toBeGreaterThan(60);
      const failures: string[] = [];
      for (const { file, loss, inputs, pred, reference: compute } of cases) {
        const reference = references.get(file) ?? compute();
        references.set(file, reference);
        const session = await createLossSession(loss, { opset, intraOpThreads: 1 });
        const declared = onnxProto.onnx.ModelProto.decode(session.model.bytes).opsetImport[0]!;
        expect(Number(declared.version)).toBe(opset);
        const out = await session.run({ inputs });
        const where = `${file} @ opset ${opset}`;
        const problems = [
          compareArrays(`${where} value`, out.valueData, reference.value.data, tol),
          pred ? compareArrays(`${where} grad`, out.gradients.pred!, reference.values[1]!.data, tol) : undefined,
          ...Object.entries(reference.nextState as Record<string, CoreTensor>).map(([slot, value]) =>
            compareArrays(`${where} ${slot}`, out.nextState[slot]!, value.data, tol),
          ),
        ].filter((p) => p !== undefined);
        failures.push(...problems);
        await session.release();
      }
      expect(failures).toEqual([]);
    }, 120_000);

  it('writes opset-18 forms in the older form below 18, and refuses what an opset cannot say', () => {
    const at = (opset: number) => {
      const g = new GraphBuilder('g', { opset });
      const x = g.input('x', 'float', [2, 4]);
      const [max] = g.node('ReduceMax', [x, g.constant([1], 'int64')], { keepdims: 0 });
      const [a, b] = g.node('Split', [x], { axis: 1, num_outputs: 2 }, { outputs: 2 });
      const [dims] = g.node('Shape', [x], { start: 1 });
      return { g, text: g.toText(), max, a, b, dims };
    };
    expect(at(17).text).toMatch(/ReduceMax\(x\) \{keepdims=0, axes=\[1\]\}/);
    expect(at(18).text).toMatch(/ReduceMax\(x, c_int64_1\) \{keepdims=0\}/);
    expect(at(17).text).toMatch(/= Split\(x\) \{axis=1\}/);
    expect(at(14).text).toMatch(/= Shape\(x\)\n.*= Slice\(/);
    expect(at(15).text).toMatch(/= Shape\(x\) \{start=1\}/);
    const g = new GraphBuilder('g', { opset: 15 });
    const zeros = g.input('z', 'float', [4]);
    expect(() => g.node('ScatterElements', [zeros, g.input('i', 'int64', [2]), g.input('u', 'float', [2])], { reduction: 'add' })).toThrow(
      /ScatterElements with reduction="add" needs opset 16 or later; this graph targets opset 15/,
    );
    expect(() => new GraphBuilder('g', { opset: 12 })).toThrow(/opset must be an integer from 13 to 26/);
    expect(() => toOnnx(mean(input('pred')), { opset: 12 })).toThrow(/opset must be an integer from 13 to 26/);
    const computed = new GraphBuilder('g', { opset: 17 });
    const y = computed.input('y', 'float', [2, 4]);
    const axes = computed.input('axes', 'int64', [1]);
    expect(() => computed.node('ReduceMean', [y, axes])).toThrow(/axes input 'axes' is computed, not a constant/);
  });
});
