import { GraphBuilder } from '../src/graph-builder.js';
import { HYBRID_TERMS, type Scalars } from './scalar-terms.js';

/** Scalar algebra over graph values: each op is one ONNX node on a rank-0 tensor. */
function graphScalars(g: GraphBuilder): Scalars<string> {
  const one = (op: string, ins: string[], attrs: Record<string, number> = {}) => g.node(op, ins, attrs)[0]!;
  return {
    k: (v) => g.constant(v),
    add: (a, b) => one('Add', [a, b]),
    sub: (a, b) => one('Sub', [a, b]),
    mul: (a, b) => one('Mul', [a, b]),
    exp: (a) => one('Exp', [a]),
    abs: (a) => one('Abs', [a]),
    neg: (a) => one('Neg', [a]),
    min: (a, b) => one('Min', [a, b]),
    elu: (a) => one('Elu', [a], { alpha: 1 }),
    lessThen: (z, bound, a, b) => one('Where', [one('Less', [z, g.constant(bound)]), a, b]),
  };
}

/** 'tuned': softmax decomposed for ORT CPU, log-sum-exp cross-entropy; 'native': ONNX Softmax / LogSoftmax ops. */
export type HandStyle = 'tuned' | 'native';

/**
 * Softmax over the class axis and the cross-entropy against a one-hot target, the way an expert
 * writes them for ONNX Runtime CPU: ORT's Softmax along axis 1 of NCHW transposes twice, so
 *   m = max_c x, e = exp(x - m), s = sum_c e, p = e / s,
 *   CE = mean_pixels(log s) - C mean(onehot * (x - m))   (log-sum-exp trick, no log-softmax tensor)
 */
function softmaxCrossEntropy(g: GraphBuilder, x: string, pickTarget: (shifted: string) => string, C: number, style: HandStyle) {
  const n1 = (op: string, ins: string[], attrs: Record<string, number> = {}) => g.node(op, ins, attrs)[0]!;
  if (style === 'native') {
    // ONNX's own Softmax / LogSoftmax: CE = -C mean(onehot * logsoftmax)
    const picked = n1('ReduceMean', [pickTarget(n1('LogSoftmax', [x], { axis: 1 }))], { keepdims: 0 });
    return { p: n1('Softmax', [x], { axis: 1 }), ce: n1('Mul', [picked, g.constant(-C)]) };
  }
  const classAxis = g.constant([1], 'int64');
  const shifted = n1('Sub', [x, n1('ReduceMax', [x, classAxis], { keepdims: 1 })]);
  const e = n1('Exp', [shifted]);
  const s = n1('ReduceSum', [e, classAxis], { keepdims: 1 });
  const p = n1('Div', [e, s]);
  const logSum = n1('ReduceMean', [n1('Log', [s])], { keepdims: 0 });
  const picked = n1('ReduceMean', [pickTarget(shifted)], { keepdims: 0 });
  return { p, ce: n1('Sub', [logSum, n1('Mul', [picked, g.constant(C)])]) };
}

/**
 * Cross-entropy + hybrid term of experiment `id` over integer labels, value and d/dpred, built
 * node by node the way an expert writes it: onehot once, softmax once, the CE gradient as
 * (p - onehot)/(N HW), the hybrid term's gradient through its two scalar coefficients.
 */
export function handBuiltHybrid(id: number, C: number, style: HandStyle = 'tuned'): Uint8Array {
  const term = HYBRID_TERMS[id];
  if (!term) throw new Error(`no hand-built graph for experiment ${id}`);
  const g = new GraphBuilder(`hand_built_experiment_${id}`);
  const x = g.input('pred', 'float', ['N', C, 'H', 'W']);
  const labels = g.input('labels', 'float', ['N', 1, 'H', 'W']);
  // experiment 1 is cross-entropy alone: no params
  const A = id === 1 ? '' : g.input('A', 'float', []);
  const B = id === 1 ? '' : g.input('B', 'float', []);
  const n1 = (op: string, ins: string[], attrs: Record<string, number> = {}) => g.node(op, ins, attrs)[0]!;
  const isLabel = n1('Equal', [labels, g.constant(Array.from({ length: C }, (_, c) => c), 'float', [1, C, 1, 1])]);
  const onehot = n1('Cast', [isLabel], { to: 1 });
  // Mul by the one-hot: ORT's Where costs several Muls
  const { p, ce } = softmaxCrossEntropy(g, x, (shifted) => n1('Mul', [onehot, shifted]), C, style);
  const d = n1('Sub', [p, onehot]);
  const hybrid =
    id === 1
      ? undefined
      : term(
          graphScalars(g),
          n1('ReduceMean', [n1('Abs', [d])], { keepdims: 0 }),
          n1('ReduceMean', [n1('Mul', [d, d])], { keepdims: 0 }),
          A,
          B,
        );
  const loss = hybrid ? n1('Add', [ce, hybrid.f]) : ce;
  const count = n1('Cast', [n1('Size', [x])], { to: 1 });
  const invCount = n1('Reciprocal', [count]);
  const gradOut = (() => {
    if (!hybrid) return n1('Mul', [d, n1('Mul', [invCount, g.constant(C)])]);
    const a = n1('Mul', [hybrid.dL1, invCount]);
    const b2 = n1('Mul', [n1('Mul', [hybrid.dL2, g.constant(2)]), invCount]);
    const gp = n1('Add', [n1('Mul', [n1('Sign', [d]), a]), n1('Mul', [d, b2])]);
    const dot = n1('ReduceSum', [n1('Mul', [gp, p]), g.constant([1], 'int64')], { keepdims: 1 });
    // p (g - dot) + C/n d, with C/n = 1/(N HW)
    return n1('Add', [n1('Mul', [p, n1('Sub', [gp, dot])]), n1('Mul', [d, n1('Mul', [invCount, g.constant(C)])])]);
  })();
  g.renameValue(loss, 'loss');
  g.renameValue(gradOut, 'grad_pred');
  g.output('loss', 'float', []);
  g.output('grad_pred', 'float', ['N', C, 'H', 'W']);
  return g.toModel();
}

/** Categorical cross-entropy + Dice against a one-hot target, value and d/dpred, by hand (see fusedDiceCe). */
export function handBuiltDiceCe(C: number, style: HandStyle = 'tuned'): Uint8Array {
  const g = new GraphBuilder('hand_built_dice_ce');
  const x = g.input('pred', 'float', ['N', C, 'H', 'W']);
  const t = g.input('target', 'float', ['N', C, 'H', 'W']);
  const n1 = (op: string, ins: string[], attrs: Record<string, number> = {}) => g.node(op, ins, attrs)[0]!;
  const axes = g.constant([0, 2, 3], 'int64');
  const eps = g.constant(1e-5);
  const { p, ce } = softmaxCrossEntropy(g, x, (shifted) => n1('Mul', [t, shifted]), C, style);
  const inter = n1('ReduceSum', [n1('Mul', [p, t]), axes], { keepdims: 1 });
  const raw = n1('Add', [n1('Add', [n1('ReduceSum', [p, axes], { keepdims: 1 }), n1('ReduceSum', [t, axes], { keepdims: 1 })]), eps]);
  const D = n1('Max', [raw, g.constant(1e-7)]);
  const num = n1('Add', [n1('Mul', [inter, g.constant(2)]), eps]);
  const ratio = n1('Div', [num, D]);
  const dice = n1('ReduceMean', [n1('Sub', [g.constant(1), ratio])], { keepdims: 0 });
  const loss = n1('Add', [ce, dice]);
  // per-class coefficients [1, C, 1, 1]: g = coefT * t + coef0
  const invCD = n1('Reciprocal', [n1('Mul', [D, g.constant(C)])]);
  const coefT = n1('Mul', [invCD, g.constant(-2)]);
  const coef0 = n1('Where', [n1('GreaterOrEqual', [raw, g.constant(1e-7)]), n1('Mul', [ratio, invCD]), g.constant(0)]);
  const gp = n1('Add', [n1('Mul', [t, coefT]), coef0]);
  const dot = n1('ReduceSum', [n1('Mul', [gp, p]), g.constant([1], 'int64')], { keepdims: 1 });
  const pixels = n1('Div', [n1('Cast', [n1('Size', [x])], { to: 1 }), g.constant(C)]);
  const ceGrad = n1('Div', [n1('Sub', [p, t]), pixels]);
  const gradOut = n1('Add', [n1('Mul', [p, n1('Sub', [gp, dot])]), ceGrad]);
  g.renameValue(loss, 'loss');
  g.renameValue(gradOut, 'grad_pred');
  g.output('loss', 'float', []);
  g.output('grad_pred', 'float', ['N', C, 'H', 'W']);
  return g.toModel();
}
