import type { Shape, Tape } from './tape.js';

/**
 * Stochastic gradient descent, with momentum and L2 weight decay.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type SgdConfig, Trainer } from '@losskit/onnx-train';
 * const optimizer: SgdConfig = { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 };
 * const trainer = new Trainer({ model: { kind: 'fcn', numClasses: 21 }, loss: catalogue.dice(), optimizer, learningRate: 0.01 });
 * ```
 */
export interface SgdConfig {
  readonly kind: 'sgd';
  /** v' = momentum v + g; 0 = plain SGD (no state). Default 0.9. */
  readonly momentum?: number;
  /** L2 penalty added to the gradient: g + weightDecay w. Default 0. */
  readonly weightDecay?: number;
}

/**
 * Adam (L2 weight decay added to the gradient) or AdamW (decoupled weight decay).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type AdamConfig, Trainer } from '@losskit/onnx-train';
 * const optimizer: AdamConfig = { kind: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 1e-4 };
 * const trainer = new Trainer({ model: { kind: 'unet', numClasses: 2 }, loss: catalogue.dice(), optimizer });
 * ```
 */
export interface AdamConfig {
  /** 'adam': weightDecay is L2 added to the gradient; 'adamw': decoupled, w -= lr wd w. */
  readonly kind: 'adam' | 'adamw';
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly weightDecay?: number;
}

/**
 * An optimizer and its settings.
 *
 * @example
 * ```ts
 * import { type OptimizerConfig } from '@losskit/onnx-train';
 * const optimizer: OptimizerConfig = { kind: 'adam' };
 * ```
 */
export type OptimizerConfig = SgdConfig | AdamConfig;

/**
 * Scalars every update reads: the learning rate and the 1-based step count (graph inputs).
 *
 * @example
 * ```ts
 * import { type UpdateScalars } from '@losskit/onnx-train';
 * const scalars: UpdateScalars = { learningRate: 'lr', step: 'step' }; // graph values every update reads
 * ```
 */
export interface UpdateScalars {
  readonly learningRate: string;
  readonly step: string;
}

/**
 * How an optimizer updates one parameter as graph nodes: its state slots and its update.
 *
 * @example
 * ```ts
 * import { type OptimizerRule, optimizerRule } from '@losskit/onnx-train';
 * const rule: OptimizerRule = optimizerRule({ kind: 'adam' });
 * rule.slots({ kind: 'adam' }); // ['m', 'v']
 * ```
 */
export interface OptimizerRule<C extends OptimizerConfig = OptimizerConfig> {
  /** State slots per parameter (each shaped like the parameter, zero at the start). */
  slots(config: C): string[];
  /** Emits w', state' from w, g, state. */
  update(
    tape: Tape,
    config: C,
    weight: string,
    grad: string,
    state: Readonly<Record<string, string>>,
    scalars: UpdateScalars,
  ): { weight: string; state: Record<string, string> };
}

const ops = (tape: Tape, shape: Shape) => ({
  add: (a: string, b: string) => tape.op('Add', [a, b], shape),
  sub: (a: string, b: string) => tape.op('Sub', [a, b], shape),
  mul: (a: string, b: string) => tape.op('Mul', [a, b], shape),
  div: (a: string, b: string) => tape.op('Div', [a, b], shape),
  c: (v: number) => tape.scalar(v),
});

const sgd: OptimizerRule<SgdConfig> = {
  slots: (config) => ((config.momentum ?? 0.9) > 0 ? ['velocity'] : []),
  // g~ = g + wd w;  v' = mu v + g~;  w' = w - lr v'   (mu = 0: w' = w - lr g~)
  update: (tape, config, w, g, state, { learningRate }) => {
    const o = ops(tape, tape.shape(w));
    const momentum = config.momentum ?? 0.9;
    const decay = config.weightDecay ?? 0;
    const grad = decay > 0 ? o.add(g, o.mul(w, o.c(decay))) : g;
    if (momentum === 0) return { weight: o.sub(w, o.mul(grad, learningRate)), state: {} };
    const velocity = o.add(o.mul(state.velocity!, o.c(momentum)), grad);
    return { weight: o.sub(w, o.mul(velocity, learningRate)), state: { velocity } };
  },
};

const adam: OptimizerRule<AdamConfig> = {
  slots: () => ['m', 'v'],
  // m' = b1 m + (1-b1) g;  v' = b2 v + (1-b2) g^2;  step t:
  // w' = w - lr (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps)  [- lr wd w for adamw]
  update: (tape, config, w, g, state, { learningRate, step }) => {
    const o = ops(tape, tape.shape(w));
    const b1 = config.beta1 ?? 0.9;
    const b2 = config.beta2 ?? 0.999;
    const eps = config.epsilon ?? 1e-8;
    const decay = config.weightDecay ?? 0;
    const grad = config.kind === 'adam' && decay > 0 ? o.add(g, o.mul(w, o.c(decay))) : g;
    const m = o.add(o.mul(state.m!, o.c(b1)), o.mul(grad, o.c(1 - b1)));
    const v = o.add(o.mul(state.v!, o.c(b2)), o.mul(o.mul(grad, grad), o.c(1 - b2)));
    const correction = (beta: number) => tape.op('Sub', [o.c(1), tape.op('Pow', [o.c(beta), step], [])], []);
    // fold both bias corrections into a scalar step size: lr sqrt(1-b2^t)/(1-b1^t), eps scaled alike
    const rootCorrection2 = tape.op('Sqrt', [correction(b2)], []);
    const stepSize = tape.op('Div', [tape.op('Mul', [learningRate, rootCorrection2], []), correction(b1)], []);
    const denominator = o.add(tape.op('Sqrt', [v], tape.shape(w)), tape.op('Mul', [rootCorrection2, o.c(eps)], []));
    let weight = o.sub(w, o.mul(o.div(m, denominator), stepSize));
    if (config.kind === 'adamw' && decay > 0) weight = o.sub(weight, o.mul(w, tape.op('Mul', [learningRate, o.c(decay)], [])));
    return { weight, state: { m, v } };
  },
};

/**
 * One rule per optimizer kind.
 *
 * @example
 * ```ts
 * import { OPTIMIZERS } from '@losskit/onnx-train';
 * Object.keys(OPTIMIZERS); // ['sgd', 'adam', 'adamw']
 * ```
 */
export const OPTIMIZERS: { readonly [K in OptimizerConfig['kind']]: OptimizerRule<Extract<OptimizerConfig, { kind: K }>> } = {
  sgd,
  adam,
  adamw: adam,
};

/**
 * The update rule of an optimizer configuration.
 *
 * @example
 * ```ts
 * import { optimizerRule } from '@losskit/onnx-train';
 * optimizerRule({ kind: 'sgd', momentum: 0 }).slots({ kind: 'sgd', momentum: 0 }); // []: plain SGD keeps no state
 * ```
 */
export function optimizerRule(config: OptimizerConfig): OptimizerRule {
  const rule = (OPTIMIZERS as Record<string, OptimizerRule | undefined>)[config.kind];
  if (rule === undefined) throw new Error(`unknown optimizer '${config.kind}': expected ${Object.keys(OPTIMIZERS).join(', ')}`);
  return rule;
}
