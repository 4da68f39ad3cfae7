import { GraphBuilder } from '@losskit/onnx';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GRADIENT_RULES, imagesPerChunk } from './gradient-rules.js';
import { relu, sigmoid, softmax } from './layers/activation.js';
import { batchNorm } from './layers/batch-norm.js';
import { classifierHead, conv2d, convTranspose2d } from './layers/conv.js';
import { dropout } from './layers/dropout.js';
import { add, concat } from './layers/merge.js';
import { maxPool2x2 } from './layers/pool.js';
import { bilinearMatrix, upsampleBilinear2x, upsampleNearest2x } from './layers/upsample.js';
import type { Net } from './net.js';
import { type GradientCheckCase, gradientCheck, worstRatio } from './testing/gradient-check.js';

/**
 * Tolerances: double graphs are checked with step 1e-6 (truncation and rounding ~1e-9);
 * float graphs (ORT CPU has Conv / ConvTranspose only in float) with step 1e-2 on ops that are
 * linear in each input, so the difference quotient is exact up to float32 rounding of y (~1e-5).
 */
const DOUBLE = { rtol: 1e-6, atol: 1e-7 };
const FLOAT = { rtol: 2e-3, atol: 2e-3 };

/** Values bounded away from 0, so a step never crosses ReLU's kink. */
const awayFromZero = (_i: number, r: { normal(): number }) => {
  const v = r.normal();
  return Math.sign(v || 1) * (0.2 + Math.abs(v));
};

const record = (net: Net, op: string, inputs: string[], attrs = {}) =>
  net.tape.record(op, inputs, attrs, [net.tape.shape(inputs[0]!)], op)[0]!;

interface RuleRow {
  readonly name: string;
  readonly check: GradientCheckCase;
  readonly tolerance: { rtol: number; atol: number };
}

const rows: RuleRow[] = [
  {
    name: 'Conv 3x3, stride 1, padding 1 (dX by Conv with the flipped kernel, dW, dB)',
    check: { type: 'float', inputShape: [2, 2, 5, 5], build: (net, x) => conv2d(net, 'c', x, { out: 3, kernel: 3 }) },
    tolerance: FLOAT,
  },
  {
    name: 'Conv 3x3, stride 2, padding 1 on an even size (output_padding 1)',
    check: { type: 'float', inputShape: [1, 2, 6, 6], build: (net, x) => conv2d(net, 'c', x, { out: 2, kernel: 3, stride: 2 }) },
    tolerance: FLOAT,
  },
  {
    name: 'Conv 2x2, stride 2, no padding on an odd size (dW cropped)',
    check: {
      type: 'float',
      inputShape: [2, 2, 5, 5],
      build: (net, x) => conv2d(net, 'c', x, { out: 2, kernel: 2, stride: 2, padding: 0 }),
    },
    tolerance: FLOAT,
  },
  {
    name: '1x1 classifier head',
    check: { type: 'float', inputShape: [2, 3, 3, 3], build: (net, x) => classifierHead(net, 'head', x, 4) },
    tolerance: FLOAT,
  },
  {
    name: 'ConvTranspose 2x2, stride 2',
    check: {
      type: 'float',
      inputShape: [2, 3, 3, 3],
      build: (net, x) => convTranspose2d(net, 't', x, { out: 2, kernel: 2, stride: 2 }),
    },
    tolerance: FLOAT,
  },
  {
    name: 'ConvTranspose 4x4, stride 2, padding 1, output padding 1',
    check: {
      type: 'float',
      inputShape: [1, 2, 3, 3],
      build: (net, x) => convTranspose2d(net, 't', x, { out: 2, kernel: 4, stride: 2, padding: 1, outputPadding: 1 }),
    },
    tolerance: FLOAT,
  },
  {
    name: 'Conv 3x3, stride 2, padding 1, dW one image at a time (tap budget 0)',
    check: {
      type: 'float',
      inputShape: [2, 2, 6, 5],
      im2colLimitBytes: 0,
      build: (net, x) => conv2d(net, 'c', x, { out: 3, kernel: 3, stride: 2 }),
    },
    tolerance: FLOAT,
  },
  {
    name: 'Conv 2x2, stride 2 on an odd size, dW one image at a time (cropped)',
    check: {
      type: 'float',
      inputShape: [1, 2, 5, 5],
      im2colLimitBytes: 0,
      build: (net, x) => conv2d(net, 'c', x, { out: 2, kernel: 2, stride: 2, padding: 0 }),
    },
    tolerance: FLOAT,
  },
  {
    name: 'ConvTranspose 4x4, stride 2, padding 1, output padding 1, dW one image at a time',
    check: {
      type: 'float',
      inputShape: [2, 2, 3, 3],
      im2colLimitBytes: 0,
      build: (net, x) => convTranspose2d(net, 't', x, { out: 2, kernel: 4, stride: 2, padding: 1, outputPadding: 1 }),
    },
    tolerance: FLOAT,
  },
  {
    // one tap of one image: 2 channels x 6 x 5 floats = 240 bytes; of 3 images it does not fit 480: chunks 2 + 1
    name: 'Conv 3x3, stride 1, dW over batch chunks of 2 + 1 images (tap budget 480 bytes)',
    check: {
      type: 'float',
      inputShape: [3, 2, 6, 5],
      im2colLimitBytes: 480,
      build: (net, x) => conv2d(net, 'c', x, { out: 2, kernel: 3 }),
    },
    tolerance: FLOAT,
  },
  {
    name: 'Relu',
    check: { type: 'double', inputShape: [2, 2, 3, 3], input: awayFromZero, build: (net, x) => relu(net, 'r', x) },
    tolerance: DOUBLE,
  },
  {
    name: 'MaxPool 2x2 (Indices + ScatterElements add)',
    check: {
      type: 'double',
      inputShape: [2, 2, 4, 4],
      // distinct values 0.1 apart: no step changes which element of a window is largest
      input: (i) => ((i * 37) % 64) * 0.1,
      build: (net, x) => maxPool2x2(net, 'p', x),
    },
    tolerance: DOUBLE,
  },
  {
    name: 'nearest x2 upsampling (Resize; ReduceSum over 2x2 blocks)',
    check: { type: 'float', inputShape: [1, 2, 3, 4], build: (net, x) => upsampleNearest2x(net, 'u', x) },
    tolerance: FLOAT,
  },
  {
    name: 'bilinear x2 upsampling (two MatMuls)',
    check: { type: 'double', inputShape: [2, 2, 3, 4], build: (net, x) => upsampleBilinear2x(net, 'u', x) },
    tolerance: DOUBLE,
  },
  {
    name: 'Concat along channels (Split)',
    check: {
      type: 'double',
      inputShape: [2, 2, 3, 3],
      build: (net, x) => concat(net, 'cat', [x, sigmoid(net, 's', x), x]),
    },
    tolerance: DOUBLE,
  },
  {
    name: 'batch norm, training mode (one BatchNormalization node and its rule)',
    check: { type: 'double', inputShape: [2, 3, 3, 2], build: (net, x) => batchNorm(net, 'bn', x) },
    tolerance: { rtol: 1e-5, atol: 1e-6 },
  },
  {
    name: 'dropout with a mask (Mul)',
    check: { type: 'double', inputShape: [2, 2, 3, 3], build: (net, x) => dropout(net, 'drop', x, 0.5) },
    tolerance: DOUBLE,
  },
  {
    name: 'Softmax over classes',
    check: { type: 'double', inputShape: [2, 4, 2, 3], build: (net, x) => softmax(net, 'sm', x) },
    tolerance: DOUBLE,
  },
  {
    name: 'Sigmoid',
    check: { type: 'double', inputShape: [2, 2, 3, 3], build: (net, x) => sigmoid(net, 'sg', x) },
    tolerance: DOUBLE,
  },
  {
    name: 'Add of two maps',
    check: { type: 'double', inputShape: [2, 2, 3, 3], build: (net, x) => add(net, 'sum', x, sigmoid(net, 's', x)) },
    tolerance: DOUBLE,
  },
  {
    name: 'Neg, Transpose, Identity, ReduceSum, Sub and Div with broadcasting',
    check: {
      type: 'double',
      inputShape: [2, 3, 2, 2],
      input: awayFromZero,
      build: (net, x) => {
        const { tape } = net;
        const t = tape.record('Transpose', [x], { perm: [0, 2, 3, 1] }, [[2, 2, 2, 3]], 'tr')[0]!;
        const back = tape.record('Transpose', [record(net, 'Neg', [t])], { perm: [0, 3, 1, 2] }, [[2, 3, 2, 2]], 'tr2')[0]!;
        const total = tape.record('ReduceSum', [x, tape.ints([1])], { keepdims: 1 }, [[2, 1, 2, 2]], 'rs')[0]!;
        const shifted = tape.record('Sub', [back, total], {}, [[2, 3, 2, 2]], 'sub')[0]!;
        const ratio = tape.record('Div', [shifted, record(net, 'Sigmoid', [total])], {}, [[2, 3, 2, 2]], 'div')[0]!;
        return record(net, 'Identity', [ratio]);
      },
    },
    tolerance: DOUBLE,
  },
  {
    name: 'Sqrt, ReduceMean and Reshape (the primitives batch norm was built from)',
    check: {
      type: 'double',
      inputShape: [2, 3, 2, 2],
      build: (net, x) => {
        const { tape } = net;
        const shape = tape.shape(x);
        const squared = tape.record('Mul', [x, x], {}, [shape], 'sq')[0]!;
        const root = tape.record('Sqrt', [tape.record('Add', [squared, tape.scalar(1)], {}, [shape], 'plus1')[0]!], {}, [shape], 'sqrt')[0]!;
        const mean = tape.record('ReduceMean', [x, tape.ints([1])], { keepdims: 1 }, [[2, 1, 2, 2]], 'rm')[0]!;
        const centered = tape.record('Sub', [root, mean], {}, [shape], 'centered')[0]!;
        return tape.record('Reshape', [centered, tape.ints([2, 12])], {}, [[2, 12]], 'flat')[0]!;
      },
    },
    tolerance: DOUBLE,
  },
];

const covered = new Set<string>();

describe('gradient rules vs central finite differences', () => {
  for (const row of rows)
    it(row.name, async () => {
      const result = await gradientCheck({
        ...row.check,
        build: (net, x) => {
          const y = row.check.build(net, x);
          for (const node of net.tape.nodes) covered.add(node.opType);
          return y;
        },
      });
      expect(Object.keys(result.gradients).length).toBeGreaterThan(0);
      for (const { analytic } of Object.values(result.gradients)) expect(analytic.some((v) => v !== 0)).toBe(true);
      expect(worstRatio(result, row.tolerance)).toBeLessThanOrEqual(1);
    });

  afterAll(() => {
    // every rule in the table was exercised by at least one row above
    expect([...covered].filter((op) => op in GRADIENT_RULES).sort()).toEqual(Object.keys(GRADIENT_RULES).sort());
  });
});

describe('batch chunks of a conv weight gradient', () => {
  it('keep one tap copy within the budget: the whole batch, else balanced chunks, at least one image', () => {
    const tap = 16 * 128 * 128 * 4; // one tap of one image: 16 channels of 128 x 128 floats (1 MiB)
    expect(imagesPerChunk(8, tap, 64 * 2 ** 20)).toBe(8);
    expect(imagesPerChunk(8, tap, 8 * tap)).toBe(8);
    expect(imagesPerChunk(8, tap, 5 * tap)).toBe(4); // 5 images fit: 4 + 4
    expect(imagesPerChunk(8, tap, 3 * tap)).toBe(3); // 3 + 3 + 2
    expect(imagesPerChunk(8, tap, 0)).toBe(1);
  });
});

describe('upsampling forward', () => {
  it('bilinear x2 by MatMul equals ONNX Resize(linear, half_pixel)', async () => {
    const [h, w] = [3, 5];
    const g = new GraphBuilder('resize');
    const x = g.input('x', 'float', [1, 1, h, w]);
    const [y] = g.node('Resize', [x, '', g.constant([1, 1, 2, 2])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    g.output(y!, 'float', [1, 1, 2 * h, 2 * w]);
    const data = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.3));
    const session = await ort.InferenceSession.create(g.toModel());
    const out = (await session.run({ x: new ort.Tensor('float32', data, [1, 1, h, w]) }))[y!]!.data as Float32Array;
    const ah = bilinearMatrix(h);
    const aw = bilinearMatrix(w);
    for (let i = 0; i < 2 * h; i++)
      for (let j = 0; j < 2 * w; j++) {
        let v = 0;
        for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) v += ah[i * h + a]! * data[a * w + b]! * aw[j * w + b]!;
        expect(out[i * 2 * w + j]).toBeCloseTo(v, 5);
      }
  });
});
