import { GraphBuilder } from '@losskit/onnx';
import * as ort from 'onnxruntime-node';
import { backward } from '../backward.js';
import { Net, type NetMode } from '../net.js';
import { Prng } from '../prng.js';
import { type FloatType, type Shape, Tape, numel } from '../tape.js';

export interface GradientCheckCase {
  /** Float type of the whole graph; ORT CPU has no double Conv / ConvTranspose. */
  readonly type: FloatType;
  readonly inputShape: Shape;
  /** Input values (default: standard normal). */
  readonly input?: (i: number, random: Prng) => number;
  /** Parameter values (default: 0.5 * standard normal). */
  readonly parameter?: (name: string, i: number, random: Prng) => number;
  /** Builds the forward pass on the net from the input value. */
  readonly build: (net: Net, x: string) => string;
  readonly mode?: NetMode;
  readonly seed?: number;
  /** Central-difference step (default 1e-6 for double, 1e-2 for float). */
  readonly step?: number;
  /** Tape's budget for one tap copy of a conv weight gradient (0: the batch one image at a time). */
  readonly im2colLimitBytes?: number;
}

export interface GradientCheckResult {
  /** value name -> [analytic, numeric] per element. */
  readonly gradients: Record<string, { analytic: Float64Array; numeric: Float64Array }>;
  readonly objective: number;
}

const ORT_TYPE = { float: 'float32', double: 'float64' } as const;
const ARRAY = { float: Float32Array, double: Float64Array } as const;
const ONNX_DOUBLE = 11;

/**
 * Checks backward on one forward graph against central finite differences. The objective is
 * sum(y * R) for a fixed random R, accumulated in double even when the graph is float, so the
 * only float32 noise is the per-element rounding of y. The perturbation actually applied is
 * measured after rounding to the graph's type.
 */
export async function gradientCheck(c: GradientCheckCase): Promise<GradientCheckResult> {
  const random = new Prng(c.seed ?? 7);
  const tape = new Tape(new GraphBuilder('gradient_check'), c.type, c.im2colLimitBytes === undefined ? {} : { im2colLimitBytes: c.im2colLimitBytes });
  const buffers = new Map<string, number[]>();
  const net = new Net(tape, c.mode ?? 'train', {
    parameter: (spec) => tape.input(spec.name, spec.shape),
    buffer: (spec) => {
      buffers.set(spec.name, spec.shape as number[]);
      return tape.input(spec.name, spec.shape);
    },
    dropoutMask: (spec) => tape.input(spec.name, spec.shape),
  });
  const x = tape.input('x', c.inputShape);
  const y = c.build(net, x);
  const yShape = tape.shape(y);
  const weights = Array.from({ length: numel(yShape) }, () => random.normal());
  const r = tape.setShape(tape.builder.constant(weights, c.type, [...yShape]), yShape);
  const yDouble = c.type === 'double' ? y : tape.op('Cast', [y], yShape, { to: ONNX_DOUBLE });
  const rDouble = tape.builder.constant(weights, 'double', [...yShape]);
  const product = tape.op('Mul', [yDouble, rDouble], yShape);
  const objective = tape.op('ReduceSum', [product, tape.ints(yShape.map((_, i) => i))], [], { keepdims: 0 });
  tape.builder.output(objective, 'double', []);

  const wrt = ['x', ...net.parameters.map((p) => p.name)];
  const grads = backward(tape, new Map([[y, r]]), wrt);
  const gradOutputs = wrt.map((w) => {
    const g = tape.op('Identity', [grads.get(w)!], tape.shape(w), {}, `grad_${w}`);
    tape.output(g);
    return g;
  });

  const make = (n: number, f: (i: number) => number) => {
    const out = new ARRAY[c.type](n);
    for (let i = 0; i < n; i++) out[i] = f(i);
    return out;
  };
  const feeds: Record<string, ort.Tensor> = {};
  const values = new Map<string, Float32Array | Float64Array>();
  const set = (name: string, shape: Shape, data: Float32Array | Float64Array) => {
    values.set(name, data);
    feeds[name] = new ort.Tensor(ORT_TYPE[c.type], data, [...shape]);
  };
  const input = c.input ?? ((_i: number, rnd: Prng) => rnd.normal());
  set('x', c.inputShape, make(numel(c.inputShape), (i) => input(i, random)));
  const parameter = c.parameter ?? ((_n: string, _i: number, rnd: Prng) => 0.5 * rnd.normal());
  for (const p of net.parameters)
    set(
      p.name,
      p.shape,
      make(numel(p.shape), (i) => parameter(p.name, i, random)),
    );
  for (const [name, shape] of buffers) set(name, shape, make(numel(shape), () => (name.endsWith('Var') ? 1 : 0)));
  for (const d of net.dropouts)
    set(d.name, d.shape, make(numel(d.shape), () => (random.next() < d.rate ? 0 : 1 / (1 - d.rate))));

  const session = await ort.InferenceSession.create(tape.builder.toModel());
  try {
    const base = await session.run(feeds);
    const objectiveAt = async () => Number((await session.run(feeds, [objective]))[objective]!.data[0]);
    const step = c.step ?? (c.type === 'double' ? 1e-6 : 1e-2);
    const gradients: GradientCheckResult['gradients'] = {};
    for (const [k, w] of wrt.entries()) {
      const data = values.get(w)!;
      const analytic = Float64Array.from(base[gradOutputs[k]!]!.data as Float32Array);
      const numeric = new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const original = data[i]!;
        data[i] = original + step;
        const up = data[i]!;
        const fUp = await objectiveAt();
        data[i] = original - step;
        const down = data[i]!;
        const fDown = await objectiveAt();
        data[i] = original;
        numeric[i] = (fUp - fDown) / (up - down);
      }
      gradients[w] = { analytic, numeric };
    }
    return { gradients, objective: Number(base[objective]!.data[0]) };
  } finally {
    await session.release();
  }
}

/** Largest |analytic - numeric| / (atol + rtol |numeric|) over all elements; <= 1 passes. */
export function worstRatio(result: GradientCheckResult, tolerance: { rtol: number; atol: number }): number {
  let worst = 0;
  for (const { analytic, numeric } of Object.values(result.gradients))
    for (let i = 0; i < analytic.length; i++)
      worst = Math.max(worst, Math.abs(analytic[i]! - numeric[i]!) / (tolerance.atol + tolerance.rtol * Math.abs(numeric[i]!)));
  return worst;
}
