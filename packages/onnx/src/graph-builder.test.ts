import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, irVersionFor } from './graph-builder.js';

async function runModel(bytes: Uint8Array, feeds: Record<string, Tensor>) {
  const session = await InferenceSession.create(bytes);
  return session.run(feeds);
}

describe('GraphBuilder', () => {
  it('builds a model that ORT runs: y = Elu(x * 2 + b, alpha=1) with a symbolic batch dim', async () => {
    const g = new GraphBuilder('affine_elu');
    const x = g.input('x', 'float', ['N', 3]);
    const b = g.input('b', 'float', []);
    const [scaled] = g.node('Mul', [x, g.constant(2)]);
    const [shifted] = g.node('Add', [scaled!, b]);
    const [y] = g.node('Elu', [shifted!], { alpha: 1 }, { name: 'activation', docString: 'elu with alpha 1' });
    g.output(y!, 'float', ['N', 3]);
    expect(g.nodeCount()).toBe(3);
    const out = await runModel(g.toModel({ metadata: { formula: 'elu(2x+b)' } }), {
      x: new Tensor('float32', Float32Array.from([-1, 0, 1, 2, -3, 0.5]), [2, 3]),
      b: new Tensor('float32', Float32Array.from([0.25]), []),
    });
    const expected = [-1, 0, 1, 2, -3, 0.5].map((v) => {
      const z = 2 * v + 0.25;
      return z > 0 ? z : Math.expm1(z);
    });
    const got = Array.from(out[y!]!.data as Float32Array);
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
  });

  it('deduplicates constants by type, dims and value', () => {
    const g = new GraphBuilder('consts');
    expect(g.constant(1)).toBe(g.constant(1));
    expect(g.constant(1)).not.toBe(g.constant(1, 'int64'));
    expect(g.constant([1, 2])).toBe(g.constant([1, 2]));
    expect(g.constant([1, 2])).not.toBe(g.constant([1, 2], 'float', [2, 1]));
    expect(g.constant(0)).not.toBe(g.constant(-0));
  });

  it('writes int64, bool and double tensors and integer / float / list attributes', async () => {
    const g = new GraphBuilder('types', { opset: 18 });
    const x = g.input('x', 'double', [2, 3]);
    const axes = g.constant([1], 'int64');
    const [sum] = g.node('ReduceSum', [x, axes], { keepdims: 0 });
    const [mask] = g.node('Cast', [g.constant([1, 0], 'bool', [2])], { to: 11 });
    const [masked] = g.node('Mul', [sum!, mask!]);
    const [clipped] = g.node('LeakyRelu', [masked!], { alpha: { float: 2 } });
    const [reshaped] = g.node('Reshape', [clipped!, g.initializer('shape', { type: 'int64', dims: [2], data: [2n, 1n] })]);
    g.output(reshaped!, 'double', [2, 1]);
    const out = await runModel(g.toModel(), {
      x: new Tensor('float64', Float64Array.from([1, 2, 3, -4, -5, -6]), [2, 3]),
    });
    expect(Array.from(out[reshaped!]!.data as Float64Array)).toEqual([6, -0]);
    expect(out[reshaped!]!.dims).toEqual([2, 1]);
  });

  it('gives nodes with several outputs generated or given names', () => {
    const g = new GraphBuilder('multi');
    const x = g.input('x', 'float', [4]);
    const [a, b] = g.node('Split', [x, g.constant([2, 2], 'int64')], { axis: 0 }, { outputs: 2, name: 'halves' });
    expect([a, b]).toEqual(['halves_0', 'halves_1']);
    const [c, d] = g.node('Split', [x, g.constant([2, 2], 'int64')], {}, { outputs: ['left', 'right'] });
    expect([c, d]).toEqual(['left', 'right']);
  });

  it('renders one line per node', () => {
    const g = new GraphBuilder('text');
    const x = g.input('x', 'float', ['N']);
    const [y] = g.node('Softplus', [x], {}, { name: 'sp' });
    const [z] = g.node('ReduceMean', [y!, g.constant([0], 'int64')], { keepdims: 0 }, { name: 'loss' });
    g.output(z!, 'float', []);
    expect(g.toText()).toBe(
      ['graph text (opset 18)', 'input x', 'sp = Softplus(x)', 'loss = ReduceMean(sp, c_int64_0) {keepdims=0}', 'output loss'].join(
        '\n',
      ),
    );
  });

  it('rejects unknown inputs, duplicate names, bad opsets and missing outputs with clear messages', () => {
    const g = new GraphBuilder('errors');
    g.input('x', 'float', [1]);
    expect(() => g.input('x', 'float', [1])).toThrow(/input 'x': the name is already used/);
    expect(() => g.node('Relu', ['y'])).toThrow(/Relu node: input 'y' is not a value/);
    expect(() => g.output('nope', 'float', [])).toThrow(/output 'nope' is not a value/);
    expect(() => g.toModel()).toThrow(/has no outputs/);
    expect(() => new GraphBuilder('x', { opset: 27 })).toThrow(/opset must be an integer from 13 to 26/);
    expect(() => g.initializer('t', { type: 'float', dims: [2, 2], data: [1, 2, 3] })).toThrow(/3 value\(s\) but dims \[2, 2\] need 4/);
  });

  it('picks the lowest IR version that declares the opset and loads at opset 26', async () => {
    expect(irVersionFor(18)).toBe(8);
    expect(irVersionFor(21)).toBe(10);
    const g = new GraphBuilder('latest', { opset: 26 });
    const x = g.input('x', 'float', [2]);
    const [y] = g.node('Sigmoid', [x]);
    g.output(y!, 'float', [2]);
    const out = await runModel(g.toModel(), { x: new Tensor('float32', Float32Array.from([0, 100]), [2]) });
    expect(Array.from(out[y!]!.data as Float32Array)).toEqual([0.5, 1]);
  });
});
