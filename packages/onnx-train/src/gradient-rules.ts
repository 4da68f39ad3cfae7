import type { AttrValue } from '@losskit/onnx';
import { type Shape, type Tape, type TapeNode, numel } from './tape.js';

/**
 * What a gradient rule sees: the forward node, the gradient of each output, which input gradients are wanted.
 *
 * @example
 * ```ts
 * import { type GradientRule, type GradientRuleArgs } from '@losskit/onnx-train';
 * const identity: GradientRule = ({ dOutputs, needs }: GradientRuleArgs) => [needs[0] ? dOutputs[0]! : null];
 * ```
 */
export interface GradientRuleArgs {
  readonly tape: Tape;
  readonly node: TapeNode;
  /** d(objective)/d(output i), or null where output i does not reach the objective. */
  readonly dOutputs: readonly (string | null)[];
  /** Whether the gradient of input i is wanted (it depends on a trainable value). */
  readonly needs: readonly boolean[];
}

/**
 * Returns d(objective)/d(input i) (null where not wanted or not differentiable).
 *
 * @example
 * ```ts
 * import { GRADIENT_RULES, type GradientRule } from '@losskit/onnx-train';
 * // d Neg(x) = -dy
 * const neg: GradientRule = ({ tape, node, dOutputs }) => [tape.op('Neg', [dOutputs[0]!], tape.shape(node.inputs[0]!))];
 * const rules = { ...GRADIENT_RULES, Neg: neg };
 * ```
 */
export type GradientRule = (args: GradientRuleArgs) => (string | null)[];

const ints = (v: AttrValue | undefined, fallback: number[]): number[] =>
  v === undefined ? fallback : Array.isArray(v) ? v : typeof v === 'object' && 'ints' in v ? v.ints : fallback;

/**
 * Sums `grad` over the axes along which a value of `target` shape was broadcast, then reshapes.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, unbroadcast } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const g = tape.input('g', [2, 3]);
 * const perColumn = unbroadcast(tape, g, [1, 3]); // ReduceSum over axis 0
 * ```
 */
export function unbroadcast(tape: Tape, grad: string, target: Shape): string {
  const shape = tape.shape(grad);
  if (shape.length === target.length && shape.every((d, i) => d === target[i])) return grad;
  const lead = shape.length - target.length;
  const axes = shape.flatMap((d, i) => (i < lead || (target[i - lead] === 1 && d !== 1) ? [i] : []));
  const summed =
    axes.length === 0
      ? grad
      : tape.op(
          'ReduceSum',
          [grad, tape.ints(axes)],
          shape.map((d, i) => (axes.includes(i) ? 1 : d)),
          { keepdims: 1 },
        );
  return tape.op('Reshape', [summed, tape.ints(target)], target);
}

const transpose = (tape: Tape, x: string, perm: number[]): string =>
  tape.op('Transpose', [x], perm.map((p) => tape.shape(x)[p]!), { perm });

/** Swaps the last two axes (MatMul's transpose). */
const transposeLast = (tape: Tape, x: string): string => {
  const rank = tape.shape(x).length;
  return transpose(tape, x, [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]);
};

const mul = (tape: Tape, a: string, b: string, shape: Shape): string => tape.op('Mul', [a, b], shape);

function broadcastShape(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/**
 * R[d, s, i, j] = sum over n, y, x of dense[n, d, y, x] * source[n, s, s_h*y + i - p_top, s_w*x + j - p_left]:
 * the weight gradient of Conv (source X, dense dY) and of ConvTranspose (source dY, dense X).
 * One batched MatMul per tap: tap (i, j) is the strided Slice of the padded source that meets
 * dense at offset (i, j), and MatMul(tap [n, S, h*w], dense^T [n, h*w, D]) summed over n is
 * R[:, :, i, j]^T. Only one tap's copy is live at a time; where one tap of the whole batch exceeds
 * the tape's budget, the batch is cut into chunks whose partial sums are added. (ORT runs the
 * per-tap MatMuls near its GEMM speed; stacking all k² taps first (an im2col Concat) costs a
 * second copy for no faster GEMM, and a Conv with the dense image as a dilated kernel, the
 * copy-free alternative, ran 2-3x slower and did not scale with threads.)
 */
function weightGradient(
  tape: Tape,
  source: string,
  pads: readonly number[],
  dense: string,
  kernel: [number, number],
  strides: readonly number[],
): string {
  const padded = padSpatial(tape, source, pads);
  const [n, channels] = tape.shape(padded) as [number, number];
  const [, d, h, w] = tape.shape(dense) as [number, number, number, number];
  const [kh, kw] = kernel;
  const [sh, sw] = strides as [number, number];
  const imageTapBytes = channels * h * w * (tape.type === 'double' ? 8 : 4);
  const perChunk = imagesPerChunk(n, imageTapBytes, tape.im2colLimitBytes);
  const partials: string[] = [];
  for (let first = 0; first < n; first += perChunk) {
    const nb = Math.min(perChunk, n - first);
    const chunk = (v: string) =>
      nb === n ? v : tape.op('Slice', [v, tape.ints([first]), tape.ints([first + nb]), tape.ints([0])], [nb, ...tape.shape(v).slice(1)]);
    const src = chunk(padded);
    const denseT = transpose(tape, tape.op('Reshape', [chunk(dense), tape.ints([nb, d, h * w])], [nb, d, h * w]), [0, 2, 1]);
    const taps: string[] = [];
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++) {
        const ends = tape.ints([i + sh * (h - 1) + 1, j + sw * (w - 1) + 1]);
        const tap = tape.op('Slice', [src, tape.ints([i, j]), ends, tape.ints([2, 3]), tape.ints([sh, sw])], [nb, channels, h, w]);
        const rows = tape.op('Reshape', [tap, tape.ints([nb, channels, h * w])], [nb, channels, h * w]);
        const product = tape.op('MatMul', [rows, denseT], [nb, channels, d]);
        taps.push(tape.op('ReduceSum', [product, tape.ints([0])], [1, channels, d], { keepdims: 1 }));
      }
    partials.push(taps.length === 1 ? taps[0]! : tape.op('Concat', taps, [kh * kw, channels, d], { axis: 0 }));
  }
  const summed = partials.reduce((a, b) => tape.op('Add', [a, b], [kh * kw, channels, d]));
  const ordered = transpose(tape, summed, [2, 1, 0]);
  return tape.op('Reshape', [ordered, tape.ints([d, channels, kh, kw])], [d, channels, kh, kw]);
}

/**
 * Images per batch chunk of a weight gradient: the whole batch while one tap of it fits `budget`
 * bytes, else as few balanced chunks as fit (8 images with room for 5: 4 + 4), at least one image.
 */
export function imagesPerChunk(images: number, imageTapBytes: number, budget: number): number {
  if (images * imageTapBytes <= budget) return images;
  const chunks = Math.ceil(images / Math.max(1, Math.floor(budget / imageTapBytes)));
  return Math.ceil(images / chunks);
}

/** Zero padding of the spatial axes, pads [top, left, bottom, right]. */
function padSpatial(tape: Tape, x: string, pads: readonly number[]): string {
  if (pads.every((p) => p === 0)) return x;
  const [n, c, h, w] = tape.shape(x) as [number, number, number, number];
  const [t, l, b, r] = pads as [number, number, number, number];
  return tape.op('Pad', [x, tape.ints([0, 0, t, l, 0, 0, b, r])], [n, c, h + t + b, w + l + r]);
}

/** Bias gradient of a conv: sum of dY over batch and space. */
const biasGradient = (tape: Tape, dY: string): string =>
  tape.op('ReduceSum', [dY, tape.ints([0, 2, 3])], [tape.shape(dY)[1]!], { keepdims: 0 });

function convAttrs(node: TapeNode) {
  const strides = ints(node.attrs.strides, [1, 1]);
  const pads = ints(node.attrs.pads, [0, 0, 0, 0]);
  const dilations = ints(node.attrs.dilations, [1, 1]);
  const group = typeof node.attrs.group === 'number' ? node.attrs.group : 1;
  if (dilations.some((d) => d !== 1) || group !== 1)
    throw new Error(`${node.opType} gradient: only dilation 1 and group 1 are supported, got dilations [${dilations}] group ${group}`);
  return { strides, pads };
}

/**
 * One rule per ONNX op, each using only standard ops that ORT CPU runs. The math of the
 * forward op opens each entry; `*` is elementwise, `@` MatMul, `unb` sums over broadcast axes.
 *
 * @example
 * ```ts
 * import { GRADIENT_RULES } from '@losskit/onnx-train';
 * Object.keys(GRADIENT_RULES).includes('Conv'); // true
 * ```
 */
export const GRADIENT_RULES: Readonly<Record<string, GradientRule>> = {
  // Y = Conv(X, W, B), stride s, pads p:
  //   dX = ConvTranspose(dY, W) with output_padding so that it has X's size; at stride 1 the same
  //        as Conv(dY, W~, pads k-1-p) with W~[c,o,i,j] = W[o,c,k-1-i,k-1-j]
  //   dW[o,c,i,j] = sum_n,y dY[n,o,y] X[n,c,s*y+i-p]  (weightGradient: source X, dense dY)
  //   dB = sum over n, h, w of dY
  Conv: ({ tape, node, dOutputs: [dY], needs }) => {
    const [x, w] = node.inputs as [string, string];
    const { strides, pads } = convAttrs(node);
    const xs = tape.shape(x);
    const ws = tape.shape(w);
    const ys = tape.shape(dY!);
    let dX: string | null = null;
    const flippedPads = pads.map((p, i) => ws[2 + (i % 2)]! - 1 - p);
    if (needs[0] && strides.every((s) => s === 1) && flippedPads.every((p) => p >= 0)) {
      // stride 1: dX = Conv(dY, W^T flipped, pads k-1-p), the forward Conv kernel (faster in ORT than ConvTranspose)
      const wT = transpose(tape, w, [1, 0, 2, 3]);
      const flipped = tape.op('Slice', [wT, tape.ints([-1, -1]), tape.ints([-(2 ** 62), -(2 ** 62)]), tape.ints([2, 3]), tape.ints([-1, -1])], [ws[1]!, ws[0]!, ws[2]!, ws[3]!]);
      dX = tape.op('Conv', [dY!, flipped], xs, { pads: flippedPads, kernel_shape: [ws[2]!, ws[3]!] });
    } else if (needs[0]) {
      const outputPadding = [0, 1].map(
        (a) => xs[2 + a]! - (strides[a]! * (ys[2 + a]! - 1) + ws[2 + a]! - pads[a]! - pads[a + 2]!),
      );
      dX = tape.op('ConvTranspose', [dY!, w], xs, {
        strides,
        pads,
        output_padding: outputPadding,
        kernel_shape: [ws[2]!, ws[3]!],
      });
    }
    const dW = needs[1] ? weightGradient(tape, x, pads, dY!, [ws[2]!, ws[3]!], strides) : null;
    return [dX, dW, needs[2] ? biasGradient(tape, dY!) : null];
  },

  // Y = ConvTranspose(X, W, B), W [Cin, Cout, k, k], stride s, pads p (the adjoint of a Conv):
  //   dX = Conv(dY, W, stride s, pads p)
  //   dW[c,o,i,j] = sum_n,x X[n,c,x] dY[n,o,s*x+i-p]  (weightGradient: source dY, dense X)
  //   dB = sum over n, h, w of dY
  ConvTranspose: ({ tape, node, dOutputs: [dY], needs }) => {
    const [x, w] = node.inputs as [string, string];
    const { strides, pads } = convAttrs(node);
    const xs = tape.shape(x);
    const ws = tape.shape(w);
    const dX = needs[0]
      ? tape.op('Conv', [dY!, w], xs, { strides, pads, kernel_shape: [ws[2]!, ws[3]!] })
      : null;
    const dW = needs[1] ? weightGradient(tape, dY!, pads, x, [ws[2]!, ws[3]!], strides) : null;
    return [dX, dW, needs[2] ? biasGradient(tape, dY!) : null];
  },

  // Y = BatchNormalization(X, gamma, beta) in training mode (batch statistics over n, h, w; M values
  // per channel), recorded with the saved mean mu and 1/sqrt(v + eps) = r (see layers/batch-norm.ts):
  //   dbeta = sum dY,  dgamma = r * sum dY (X - mu)
  //   dX = gamma r (dY - dbeta/M - (X - mu) r dgamma/M) = a dY + b X + k per channel, with
  //   a = gamma r, b = -a r dgamma / M, k = -a dbeta / M - b mu
  BatchNormalization: ({ tape, node, dOutputs: [dY], needs }) => {
    const [x, gamma] = node.inputs as [string, string, string];
    const [, mean, invStd] = node.outputs as [string, string, string];
    const xs = tape.shape(x);
    const [n, c, h, w] = xs as [number, number, number, number];
    const count = n * h * w;
    const vec = [c];
    const col = [1, c, 1, 1];
    const axes = tape.ints([0, 2, 3]);
    const asColumn = (v: string) => tape.op('Reshape', [v, tape.ints(col)], col);
    const dBeta = tape.op('ReduceSum', [dY!, axes], vec, { keepdims: 0 });
    // sum dY (X - mu) = sum dY X - mu sum dY
    const dotX = tape.op('ReduceSum', [mul(tape, dY!, x, xs), axes], vec, { keepdims: 0 });
    const dot = tape.op('Sub', [dotX, mul(tape, mean, dBeta, vec)], vec);
    const dGamma = mul(tape, dot, invStd, vec);
    let dX: string | null = null;
    if (needs[0]) {
      const a = mul(tape, gamma, invStd, vec);
      const b = tape.op('Neg', [mul(tape, mul(tape, a, invStd, vec), mul(tape, dGamma, tape.scalar(1 / count), vec), vec)], vec);
      const k = tape.op('Neg', [tape.op('Add', [mul(tape, a, mul(tape, dBeta, tape.scalar(1 / count), vec), vec), mul(tape, b, mean, vec)], vec)], vec);
      const scaled = mul(tape, dY!, asColumn(a), xs);
      dX = tape.op('Add', [scaled, tape.op('Add', [mul(tape, x, asColumn(b), xs), asColumn(k)], xs)], xs);
    }
    return [dX, needs[1] ? dGamma : null, needs[2] ? dBeta : null];
  },

  // Y, I = MaxPool(X): dX[I[k]] += dY[k] (I indexes the flattened X)
  MaxPool: ({ tape, node, dOutputs: [dY] }) => {
    const [x] = node.inputs as [string];
    const [, indices] = node.outputs as [string, string];
    const size = numel(tape.shape(x));
    const zeros = tape.op('ConstantOfShape', [tape.ints([size])], [size], {
      value: { type: tape.type, dims: [1], data: [0] },
    });
    const flatIndices = tape.emit('Reshape', [indices, tape.ints([-1])])[0]!;
    const flatGrad = tape.op('Reshape', [dY!, tape.ints([-1])], [numel(tape.shape(dY!))]);
    const scattered = tape.op('ScatterElements', [zeros, flatIndices, flatGrad], [size], { axis: 0, reduction: 'add' });
    return [tape.op('Reshape', [scattered, tape.ints(tape.shape(x))], tape.shape(x))];
  },

  // Y = Resize(X, scales [1,1,2,2], nearest): each input pixel feeds a 2x2 block, dX = sum over the block
  Resize: ({ tape, node, dOutputs: [dY] }) => {
    const [x] = node.inputs as [string];
    const [n, c, h, w] = tape.shape(x) as [number, number, number, number];
    if (node.attrs.mode !== 'nearest') throw new Error(`Resize gradient: only mode 'nearest' x2 is supported, got ${node.attrs.mode}`);
    const blocks = tape.op('Reshape', [dY!, tape.ints([n, c, h, 2, w, 2])], [n, c, h, 2, w, 2]);
    return [tape.op('ReduceSum', [blocks, tape.ints([3, 5])], [n, c, h, w], { keepdims: 0 })];
  },

  // Y = A @ B: dA = unb(dY @ B^T), dB = unb(A^T @ dY)
  MatMul: ({ tape, node, dOutputs: [dY], needs }) => {
    const [a, b] = node.inputs as [string, string];
    const product = (l: string, r: string) => {
      const ls = tape.shape(l);
      const rs = tape.shape(r);
      const batch = broadcastShape(ls.slice(0, -2), rs.slice(0, -2));
      return tape.op('MatMul', [l, r], [...batch, ls[ls.length - 2]!, rs[rs.length - 1]!]);
    };
    return [
      needs[0] ? unbroadcast(tape, product(dY!, transposeLast(tape, b)), tape.shape(a)) : null,
      needs[1] ? unbroadcast(tape, product(transposeLast(tape, a), dY!), tape.shape(b)) : null,
    ];
  },

  // Y = Concat(X1..Xk, axis): dXi = the i-th slice of dY along axis
  Concat: ({ tape, node, dOutputs: [dY] }) => {
    const axis = node.attrs.axis as number;
    const sizes = node.inputs.map((i) => tape.shape(i)[axis]!);
    const parts = tape.emit(
      'Split',
      [dY!, tape.ints(sizes)],
      { axis },
      node.inputs.map((i) => tape.shape(i)),
    );
    return parts;
  },

  // Y = A + B: dA = unb(dY), dB = unb(dY)
  Add: ({ tape, node, dOutputs: [dY], needs }) =>
    node.inputs.map((input, i) => (needs[i] ? unbroadcast(tape, dY!, tape.shape(input)) : null)),

  // Y = A - B: dA = unb(dY), dB = -unb(dY)
  Sub: ({ tape, node, dOutputs: [dY], needs }) => {
    const [a, b] = node.inputs as [string, string];
    return [
      needs[0] ? unbroadcast(tape, dY!, tape.shape(a)) : null,
      needs[1] ? unbroadcast(tape, tape.op('Neg', [dY!], tape.shape(dY!)), tape.shape(b)) : null,
    ];
  },

  // Y = A * B: dA = unb(dY * B), dB = unb(dY * A)
  Mul: ({ tape, node, dOutputs: [dY], needs }) => {
    const [a, b] = node.inputs as [string, string];
    const ys = tape.shape(dY!);
    return [
      needs[0] ? unbroadcast(tape, mul(tape, dY!, b, ys), tape.shape(a)) : null,
      needs[1] ? unbroadcast(tape, mul(tape, dY!, a, ys), tape.shape(b)) : null,
    ];
  },

  // Y = A / B: dA = unb(dY / B), dB = unb(-dY * Y / B)
  Div: ({ tape, node, dOutputs: [dY], needs }) => {
    const [a, b] = node.inputs as [string, string];
    const [y] = node.outputs as [string];
    const ys = tape.shape(dY!);
    const dA = needs[0] ? unbroadcast(tape, tape.op('Div', [dY!, b], ys), tape.shape(a)) : null;
    let dB: string | null = null;
    if (needs[1]) {
      const ratio = tape.op('Div', [mul(tape, dY!, y, ys), b], ys);
      dB = unbroadcast(tape, tape.op('Neg', [ratio], ys), tape.shape(b));
    }
    return [dA, dB];
  },

  // Y = -X: dX = -dY
  Neg: ({ tape, dOutputs: [dY] }) => [tape.op('Neg', [dY!], tape.shape(dY!))],

  // Y = sqrt(X): dX = dY / (2 Y)
  Sqrt: ({ tape, node, dOutputs: [dY] }) => {
    const [y] = node.outputs as [string];
    const ys = tape.shape(y);
    return [tape.op('Div', [dY!, mul(tape, y, tape.scalar(2), ys)], ys)];
  },

  // Y = max(X, 0): dX = dY where X > 0, else 0; read from Y (Y > 0 exactly where X > 0), so X need
  // not be kept for the backward pass (after a batch norm, that frees one activation per layer)
  Relu: ({ tape, node, dOutputs: [dY] }) => {
    const [y] = node.outputs as [string];
    const positive = tape.emit('Greater', [y, tape.scalar(0)])[0]!;
    return [tape.op('Where', [positive, dY!, tape.scalar(0)], tape.shape(y))];
  },

  // Y = sigmoid(X): dX = dY * Y * (1 - Y)
  Sigmoid: ({ tape, node, dOutputs: [dY] }) => {
    const [y] = node.outputs as [string];
    const ys = tape.shape(y);
    const slope = mul(tape, y, tape.op('Sub', [tape.scalar(1), y], ys), ys);
    return [mul(tape, dY!, slope, ys)];
  },

  // Y = softmax(X) along axis: dX = Y * (dY - sum_axis(dY * Y))
  Softmax: ({ tape, node, dOutputs: [dY] }) => {
    const [y] = node.outputs as [string];
    const ys = tape.shape(y);
    const axis = typeof node.attrs.axis === 'number' ? node.attrs.axis : -1;
    const a = axis < 0 ? ys.length + axis : axis;
    const dot = tape.op(
      'ReduceSum',
      [mul(tape, dY!, y, ys), tape.ints([a])],
      ys.map((d, i) => (i === a ? 1 : d)),
      { keepdims: 1 },
    );
    return [mul(tape, y, tape.op('Sub', [dY!, dot], ys), ys)];
  },

  // Y = mean over axes of X: dX = broadcast(dY) / count
  ReduceMean: ({ tape, node, dOutputs: [dY] }) => [reduceGradient(tape, node, dY!, true)],

  // Y = sum over axes of X: dX = broadcast(dY)
  ReduceSum: ({ tape, node, dOutputs: [dY] }) => [reduceGradient(tape, node, dY!, false)],

  // Y = reshape(X): dX = reshape(dY) back
  Reshape: ({ tape, node, dOutputs: [dY] }) => {
    const [x] = node.inputs as [string];
    return [tape.op('Reshape', [dY!, tape.ints(tape.shape(x))], tape.shape(x)), null];
  },

  // Y = transpose(X, perm): dX = transpose(dY, perm^-1)
  Transpose: ({ tape, node, dOutputs: [dY] }) => {
    const perm = ints(node.attrs.perm, []);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(tape, dY!, inverse)];
  },

  // Y = X
  Identity: ({ dOutputs: [dY] }) => [dY!],
};

/** Gradient of ReduceSum / ReduceMean whose axes are the (constant) second input. */
function reduceGradient(tape: Tape, node: TapeNode, dY: string, mean: boolean): string {
  const [x] = node.inputs as [string];
  const xs = tape.shape(x);
  const axesName = node.inputs[1];
  const axes = axesName === undefined ? xs.map((_, i) => i) : tape.intValues(axesName);
  const kept = xs.map((d, i) => (axes.includes(i) ? 1 : d));
  const reshaped = tape.op('Reshape', [dY, tape.ints(kept)], kept);
  const count = axes.reduce((c, a) => c * xs[a]!, 1);
  const scaled = mean ? mul(tape, reshaped, tape.scalar(1 / count), kept) : reshaped;
  return tape.op('Expand', [scaled, tape.ints(xs)], xs);
}
