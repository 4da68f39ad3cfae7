import type { Node } from '@losskit/core';
import { GraphBuilder, type LossLike } from '@losskit/onnx';
import { backward } from './backward.js';
import { sigmoid, softmax } from './layers/activation.js';
import { type LossFeeds, embedLoss } from './loss-graph.js';
import { type Model, buildNet } from './model.js';
import { type DropoutSpec, bufferInput, dropoutInput, inputSources, parameterInput } from './net.js';
import { type OptimizerConfig, optimizerRule } from './optimizers.js';
import { type Shape, Tape } from './tape.js';

/**
 * A loss to train with: a core expression (pred = logits) or a catalogue Loss / LossLike.
 *
 * @example
 * ```ts
 * import { catalogue, input, mean, square } from '@losskit/core';
 * import { type TrainingLoss } from '@losskit/onnx-train';
 * const fromCatalogue: TrainingLoss = catalogue.dice({ sparse: true, numClasses: 3 });
 * const fromExpression: TrainingLoss = mean(square(input('pred')));
 * ```
 */
export type TrainingLoss = Node | (LossLike & { readonly inputs?: Readonly<Record<string, { readonly domain: string }>> });

/**
 * The batch shape a graph is built for.
 *
 * @example
 * ```ts
 * import { type StepShape } from '@losskit/onnx-train';
 * const shape: StepShape = { batch: 8, height: 128, width: 128 };
 * ```
 */
export interface StepShape {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}

/**
 * A carried value: read from `input`, written to `output` (pass the output back next step).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildTrainingStep, type CarriedValue, createModel } from '@losskit/onnx-train';
 * const graph = buildTrainingStep(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), catalogue.dice(), { kind: 'sgd' }, { batch: 1, height: 8, width: 8 });
 * const weight: CarriedValue = [...graph.parameters.values()][0]!; // feed .input, read .output
 * ```
 */
export interface CarriedValue {
  readonly input: string;
  readonly output: string;
  readonly shape: readonly number[];
}

/**
 * A training-step graph: forward, loss, backward and optimizer update, with what to feed and read back.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildTrainingStep, createModel, type TrainingStepGraph } from '@losskit/onnx-train';
 * const graph: TrainingStepGraph = buildTrainingStep(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), catalogue.dice(), { kind: 'adam' }, { batch: 1, height: 8, width: 8 });
 * graph.nodeCount;
 * ```
 */
export interface TrainingStepGraph {
  readonly bytes: Uint8Array;
  readonly shape: StepShape;
  /** Graph inputs: images float [N, Cin, H, W], labels int32 [N, H, W], learning rate and 1-based step (float scalars). */
  readonly images: string;
  readonly labels: string;
  readonly learningRate: string;
  readonly step: string;
  /** Per parameter name. */
  readonly parameters: ReadonlyMap<string, CarriedValue>;
  /** Per `${parameter}/${slot}`. */
  readonly optimizerState: ReadonlyMap<string, CarriedValue>;
  /** Batch-norm running statistics, per buffer name. */
  readonly buffers: ReadonlyMap<string, CarriedValue>;
  /** Loss EMA state, per slot. */
  readonly lossState: ReadonlyMap<string, CarriedValue>;
  readonly dropouts: readonly (DropoutSpec & { input: string })[];
  /** Outputs: the loss (float scalar) and the confusion counts (float [C, C], rows = true class). */
  readonly loss: string;
  readonly confusion: string;
  readonly nodeCount: number;
}

/**
 * An evaluation graph: images and weights in, logits and confusion counts out.
 *
 * @example
 * ```ts
 * import { buildEvalGraph, createModel, type EvalGraph } from '@losskit/onnx-train';
 * const graph: EvalGraph = buildEvalGraph(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), { batch: 1, height: 8, width: 8 });
 * graph.logits; // the output name
 * ```
 */
export interface EvalGraph {
  readonly bytes: Uint8Array;
  readonly shape: StepShape;
  readonly images: string;
  readonly labels: string;
  readonly parameters: ReadonlyMap<string, string>;
  readonly buffers: ReadonlyMap<string, string>;
  readonly logits: string;
  readonly confusion: string;
}

const ONNX_FLOAT = 1;
const ONNX_INT64 = 7;

function checkShape(model: Model, shape: StepShape): void {
  const { batch, height, width } = shape;
  if (![batch, height, width].every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`batch shape must be positive integers, got N=${batch} H=${height} W=${width}`);
  if (height % model.sizeMultiple !== 0 || width % model.sizeMultiple !== 0)
    throw new Error(
      `image size ${height}x${width} does not fit ${model.config.kind}: height and width must be multiples of ${model.sizeMultiple}`,
    );
}

/** Labels -> one-hot target, float labels, valid mask; and the confusion counts of the logits. */
function labelValues(tape: Tape, labels: string, logits: string, classes: number) {
  const [n, , h, w] = tape.shape(logits) as [number, number, number, number];
  const full: Shape = [n, classes, h, w];
  const plane: Shape = [n, 1, h, w];
  const depth = tape.builder.constant([classes], 'int64');
  const onOff = tape.builder.constant([0, 1], 'float');
  const oneHot = (indices: string) => tape.op('OneHot', [indices, depth, onOff], full, { axis: 1 });
  // class indices outside [0, C) (255 = ignore) give an all-zero one-hot row
  const labels64 = tape.op('Cast', [labels], [n, h, w], { to: ONNX_INT64 });
  const target = oneHot(labels64);
  const labelsFloat = tape.op('Reshape', [tape.op('Cast', [labels], [n, h, w], { to: ONNX_FLOAT }), tape.ints(plane)], plane);
  const mask = tape.op('ReduceSum', [target, tape.ints([1])], plane, { keepdims: 1 });
  const predicted = oneHot(tape.op('ArgMax', [logits], [n, h, w], { axis: 1, keepdims: 0 }));
  // confusion[i][j] = sum over pixels of target_i * predicted_j
  const flat = (v: string) => tape.op('Reshape', [v, tape.ints([n, classes, h * w])], [n, classes, h * w]);
  const predictedT = tape.op('Transpose', [flat(predicted)], [n, h * w, classes], { perm: [0, 2, 1] });
  const perImage = tape.op('MatMul', [flat(target), predictedT], [n, classes, classes]);
  const confusion = tape.op('ReduceSum', [perImage, tape.ints([0])], [classes, classes], { keepdims: 0 });
  return { target, labelsFloat, mask, confusion };
}

const lossExpects = (loss: TrainingLoss, input: string): string | undefined =>
  'expr' in loss ? loss.inputs?.[input]?.domain : undefined;

/**
 * Options of the graph builders.
 *
 * @example
 * ```ts
 * import { paperExperiments } from '@losskit/core';
 * import { type BuildOptions, buildTrainingStep, createModel } from '@losskit/onnx-train';
 * const options: BuildOptions = { lossParams: { A: 0.3, B: 0.6 } };
 * const graph = buildTrainingStep(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), paperExperiments[4]!.build({ numClasses: 2 }), { kind: 'adam' }, { batch: 2, height: 16, width: 16 }, options);
 * ```
 */
export interface BuildOptions {
  /** Values for the loss's scalar params (its defaults otherwise). */
  readonly lossParams?: Readonly<Record<string, number>>;
  /** im2col budget per conv weight gradient in bytes (default DEFAULT_IM2COL_LIMIT_BYTES, 64 MiB). */
  readonly im2colLimitBytes?: number;
  /**
   * ai.onnx opset, 13 to 26 (default DEFAULT_OPSET, 18); the graph is valid at the opset it
   * declares. Below 16 a model with max pooling is refused (its backward scatters with reduction 'add').
   */
  readonly opset?: number;
}

/**
 * The metadata_props key of a training-step or gradient graph: JSON describing what to feed and
 * what to read back, so another runtime can drive the graph (see docs/python-onnxruntime.md).
 * `carried` maps each output to the input it replaces on the next step.
 *
 * @example
 * ```ts
 * import { TRAINING_STEP_METADATA_KEY } from '@losskit/onnx-train';
 * TRAINING_STEP_METADATA_KEY; // 'losskit.training_step'
 * ```
 */
export const TRAINING_STEP_METADATA_KEY = 'losskit.training_step';

/**
 * The graph output that replaces `input` on the next step: `updated:<input>` (weights
 * `updated:param:<name>`, optimizer slots `updated:opt:<name>/<slot>`, batch-norm statistics
 * `updated:buffer:<name>`, loss state `updated:loss_state:<slot>`).
 *
 * @example
 * ```ts
 * import { updatedOutputName } from '@losskit/onnx-train';
 * updatedOutputName('param:enc0.conv0.weight'); // 'updated:param:enc0.conv0.weight'
 * ```
 */
export const updatedOutputName = (input: string): string => `updated:${input}`;

/** Gives a value its stable output name (renaming its producer's output, or an Identity when a graph input is passed through). */
function nameOutput(tape: Tape, value: string, name: string): string {
  const shape = tape.shape(value);
  if (tape.builder.nodeList().some((n) => n.outputs.includes(value))) tape.builder.renameValue(value, name);
  else tape.builder.node('Identity', [value], {}, { outputs: [name] });
  tape.setShape(name, shape);
  tape.output(name);
  return name;
}

/** Forward (training mode), labels, loss and backward: what the step and the gradient graph share. */
function forwardBackward(model: Model, loss: TrainingLoss, shape: StepShape, options: BuildOptions, graphName: string) {
  checkShape(model, shape);
  const tape = new Tape(
    new GraphBuilder(graphName, options.opset === undefined ? {} : { opset: options.opset }),
    'float',
    options.im2colLimitBytes === undefined ? {} : { im2colLimitBytes: options.im2colLimitBytes },
  );
  const images = tape.input('images', [shape.batch, model.inChannels, shape.height, shape.width]);
  const labels = tape.input('labels', [shape.batch, shape.height, shape.width], 'int32');
  const { net, logits } = buildNet(model, tape, 'train', inputSources(tape), images);
  const { target, labelsFloat, mask, confusion } = labelValues(tape, labels, logits, model.numClasses);
  // a loss over probabilities gets softmax of the logits, or sigmoid when its target is per-class binary (multilabel)
  const probabilities = lossExpects(loss, 'pred') === 'probability';
  const multilabel = lossExpects(loss, 'target') === 'binary';
  const pred = !probabilities ? logits : multilabel ? sigmoid(net, 'pred.sigmoid', logits) : softmax(net, 'pred.softmax', logits);
  const feeds: LossFeeds = { pred, target, labels: labelsFloat, mask };
  const lossLike: LossLike = 'expr' in loss ? loss : { expr: loss };
  const embedded = embedLoss(
    tape,
    lossLike,
    feeds,
    { batch: shape.batch, classes: model.numClasses, height: shape.height, width: shape.width },
    options.lossParams,
  );
  const grads = backward(tape, new Map([[pred, embedded.dPred]]), [...net.parameterValues.values()]);
  return { tape, images, labels, net, embedded, grads, confusion };
}

/**
 * A graph of forward, loss and backward only: the loss and every parameter gradient as outputs.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildGradientGraph, createModel, type GradientGraph } from '@losskit/onnx-train';
 * const graph: GradientGraph = buildGradientGraph(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), catalogue.dice(), { batch: 1, height: 8, width: 8 });
 * [...graph.gradients.keys()]; // parameter names
 * ```
 */
export interface GradientGraph {
  readonly bytes: Uint8Array;
  readonly images: string;
  readonly labels: string;
  /** Parameter name -> graph input. */
  readonly parameters: ReadonlyMap<string, string>;
  readonly buffers: ReadonlyMap<string, string>;
  readonly lossState: ReadonlyMap<string, string>;
  readonly dropouts: readonly (DropoutSpec & { input: string })[];
  /** Outputs: the loss and d loss / d parameter per parameter name. */
  readonly loss: string;
  readonly gradients: ReadonlyMap<string, string>;
}

/**
 * Forward, loss and backward only: the loss and every parameter gradient out (for checks and custom optimizers).
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildGradientGraph, createModel } from '@losskit/onnx-train';
 * const { bytes, loss, gradients } = buildGradientGraph(createModel({ kind: 'unet', numClasses: 2, depth: 1 }), catalogue.dice(), { batch: 2, height: 8, width: 8 });
 * ```
 */
export function buildGradientGraph(model: Model, loss: TrainingLoss, shape: StepShape, options: BuildOptions = {}): GradientGraph {
  const { tape, images, labels, net, embedded, grads } = forwardBackward(model, loss, shape, options, `${model.config.kind}_gradient`);
  const gradients = new Map<string, string>();
  for (const spec of net.parameters) {
    const g = grads.get(net.parameterValues.get(spec.name)!)!;
    gradients.set(spec.name, nameOutput(tape, g, `grad:${spec.name}`));
  }
  const lossName = nameOutput(tape, embedded.loss, 'loss');
  const lossState = new Map(embedded.state.map((s) => [s.slot, s.input]));
  const described = {
    kind: 'gradient',
    images,
    labels,
    loss: lossName,
    gradients: Object.fromEntries([...gradients].map(([p, g]) => [g, parameterInput(p)])),
    dropouts: net.dropouts.map((d) => ({ input: dropoutInput(d.name), shape: d.shape, rate: d.rate })),
    fixed: [...net.buffers.map((b) => bufferInput(b.name)), ...lossState.values()],
  };
  return {
    bytes: tape.builder.toModel({
      producer: '@losskit/onnx-train',
      metadata: { [TRAINING_STEP_METADATA_KEY]: JSON.stringify(described) },
    }),
    images,
    labels,
    parameters: new Map(net.parameters.map((p) => [p.name, net.parameterValues.get(p.name)!])),
    buffers: new Map(net.buffers.map((b) => [b.name, bufferInput(b.name)])),
    lossState,
    dropouts: net.dropouts.map((d) => ({ ...d, input: dropoutInput(d.name) })),
    loss: lossName,
    gradients,
  };
}

/**
 * One training step as a single ONNX graph: forward (batch statistics, dropout masks as inputs),
 * the loss and its gradient w.r.t. the prediction (from the ONNX loss backend), backward by the
 * gradient-rule table, and the optimizer update of every parameter. Weights, optimizer state,
 * batch-norm statistics and loss state go in and come out updated.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { buildTrainingStep, createModel } from '@losskit/onnx-train';
 * const step = buildTrainingStep(createModel({ kind: 'unet', numClasses: 3, depth: 2 }), catalogue.dice(), { kind: 'adam' }, { batch: 4, height: 32, width: 32 });
 * step.bytes; // one ONNX model: forward, loss, backward, Adam update
 * ```
 */
export function buildTrainingStep(
  model: Model,
  loss: TrainingLoss,
  optimizer: OptimizerConfig,
  shape: StepShape,
  options: BuildOptions = {},
): TrainingStepGraph {
  const rule = optimizerRule(optimizer);
  const { tape, images, labels, net, embedded, grads, confusion } = forwardBackward(
    model,
    loss,
    shape,
    options,
    `${model.config.kind}_train_step`,
  );
  const learningRate = tape.input('learning_rate', []);
  const step = tape.input('step', []);

  const parameters = new Map<string, CarriedValue>();
  const optimizerState = new Map<string, CarriedValue>();
  // every carried value leaves under the name of the input it replaces (nodes first, names after:
  // renaming a value that later nodes still read by its old name would cut them off)
  const carried: [value: string, input: string, shape: readonly number[], put: (output: string) => void][] = [];
  for (const spec of net.parameters) {
    const w = net.parameterValues.get(spec.name)!;
    const state = Object.fromEntries(rule.slots(optimizer).map((slot) => [slot, tape.input(`opt:${spec.name}/${slot}`, spec.shape)]));
    const updated = rule.update(tape, optimizer, w, grads.get(w)!, state, { learningRate, step });
    carried.push([updated.weight, w, spec.shape, (output) => parameters.set(spec.name, { input: w, output, shape: spec.shape })]);
    for (const [slot, input] of Object.entries(state))
      carried.push([
        updated.state[slot]!,
        input,
        spec.shape,
        (output) => optimizerState.set(`${spec.name}/${slot}`, { input, output, shape: spec.shape }),
      ]);
  }
  const buffers = new Map<string, CarriedValue>();
  for (const spec of net.buffers) {
    const input = bufferInput(spec.name);
    carried.push([net.bufferUpdates.get(spec.name)!, input, spec.shape, (output) => buffers.set(spec.name, { input, output, shape: spec.shape })]);
  }
  const lossState = new Map<string, CarriedValue>();
  for (const s of embedded.state)
    carried.push([s.next, s.input, s.shape, (output) => lossState.set(s.slot, { input: s.input, output, shape: s.shape })]);
  for (const [value, input, , put] of carried) put(nameOutput(tape, value, updatedOutputName(input)));
  const lossName = nameOutput(tape, embedded.loss, 'loss');
  const confusionName = nameOutput(tape, confusion, 'confusion');

  const dropouts = net.dropouts.map((d) => ({ ...d, input: dropoutInput(d.name) }));
  const described = {
    kind: 'training_step',
    optimizer,
    images,
    labels,
    learningRate,
    step,
    loss: lossName,
    confusion: confusionName,
    carried: Object.fromEntries(carried.map(([, input]) => [updatedOutputName(input), input])),
    dropouts: dropouts.map((d) => ({ input: d.input, shape: d.shape, rate: d.rate })),
  };
  return {
    bytes: tape.builder.toModel({
      docString: `training step of ${model.config.kind}`,
      producer: '@losskit/onnx-train',
      metadata: {
        [TRAINING_STEP_METADATA_KEY]: JSON.stringify(described),
        'losskit.carried': JSON.stringify(described.carried),
      },
    }),
    shape,
    images,
    labels,
    learningRate,
    step,
    parameters,
    optimizerState,
    buffers,
    lossState,
    dropouts,
    loss: lossName,
    confusion: confusionName,
    nodeCount: tape.builder.nodeCount(),
  };
}

/**
 * Forward in evaluation mode (running statistics, no dropout), logits and confusion counts out.
 *
 * @example
 * ```ts
 * import { buildEvalGraph, createModel } from '@losskit/onnx-train';
 * const { bytes, logits } = buildEvalGraph(createModel({ kind: 'fcn', numClasses: 3 }), { batch: 1, height: 64, width: 64 });
 * ```
 */
export function buildEvalGraph(model: Model, shape: StepShape, options: Pick<BuildOptions, 'opset'> = {}): EvalGraph {
  checkShape(model, shape);
  const tape = new Tape(new GraphBuilder(`${model.config.kind}_eval`, options.opset === undefined ? {} : { opset: options.opset }));
  const images = tape.input('images', [shape.batch, model.inChannels, shape.height, shape.width]);
  const labels = tape.input('labels', [shape.batch, shape.height, shape.width], 'int32');
  const { net, logits } = buildNet(model, tape, 'eval', inputSources(tape), images);
  const labelled = labelValues(tape, labels, logits, model.numClasses);
  const confusion = nameOutput(tape, labelled.confusion, 'confusion');
  const logitsName = nameOutput(tape, logits, 'logits');
  return {
    bytes: tape.builder.toModel({ docString: `evaluation of ${model.config.kind}`, producer: '@losskit/onnx-train' }),
    shape,
    images,
    labels,
    parameters: new Map(net.parameters.map((p) => [p.name, net.parameterValues.get(p.name)!])),
    buffers: new Map(net.buffers.map((b) => [b.name, bufferInput(b.name)])),
    logits: logitsName,
    confusion,
  };
}


