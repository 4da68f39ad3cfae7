import { readBytes, writeBytes } from '#files';
import { InputError } from '@losskit/core';
import { type ExecutionProviderName, type OrtModule, type OrtRuntime, type RuntimeName, openSession, resolveRuntime } from '@losskit/onnx';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { type Batch, checkBatch } from './batch.js';
import { CheckpointError, type ModelWeights, exportInferenceModel, readCheckpoint } from './checkpoint.js';
import { initialValues } from './init.js';
import { dropoutMask } from './layers/dropout.js';
import { type Confusion, confusionFrom } from './metrics.js';
import { type Model, type ModelConfig, createModel } from './model.js';
import type { OptimizerConfig } from './optimizers.js';
import { Prng } from './prng.js';
import { type EvalGraph, type StepShape, type TrainingLoss, type TrainingStepGraph, buildEvalGraph, buildTrainingStep } from './training-step.js';

/**
 * Options of `Trainer`: the model, the loss, the optimizer and how sessions run.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { Trainer, type TrainerOptions } from '@losskit/onnx-train';
 * const options: TrainerOptions = {
 *   model: { kind: 'fcn', numClasses: 21 },
 *   loss: catalogue.focal({ sparse: true, numClasses: 21, ignoreIndex: 255 }),
 *   optimizer: { kind: 'sgd', momentum: 0.9 },
 *   learningRate: 0.01,
 *   providers: 'auto',
 * };
 * const trainer = new Trainer(options);
 * ```
 */
export interface TrainerOptions {
  readonly model: Model | ModelConfig;
  /** The loss: a core expression over 'pred' (logits) and 'target' / 'labels' / 'mask', or a catalogue Loss. */
  readonly loss: TrainingLoss;
  /** Default { kind: 'adam' }. */
  readonly optimizer?: OptimizerConfig;
  /** Default learning rate (default 1e-3); step() can override it per step (schedules). */
  readonly learningRate?: number;
  /** Seeds the weight initialization and the dropout masks. Default 0. */
  readonly seed?: number;
  /** ORT intra-op threads (default: ORT's choice, all cores). */
  readonly threads?: number;
  /**
   * Execution providers in order of preference; 'auto' = the runtime's chain (onnxruntime-node:
   * cuda, dml, coreml, cpu; onnxruntime-web: webgpu, wasm). Default: the runtime's CPU provider.
   */
  readonly providers?: readonly ExecutionProviderName[] | 'auto';
  /**
   * The ONNX Runtime module (`import * as ort from 'onnxruntime-web'`); default: onnxruntime-node
   * in Node, onnxruntime-web in a browser bundle.
   */
  readonly runtime?: OrtModule;
  /** Values for the loss's scalar params (defaults otherwise). */
  readonly lossParams?: Readonly<Record<string, number>>;
  /** im2col budget per conv weight gradient (bytes): more is faster, less keeps peak memory down. Default 64 MiB. */
  readonly im2colLimitBytes?: number;
  /** ai.onnx opset of the graphs, 13 to 26 (default 18; max pooling needs 16+). */
  readonly opset?: number;
}

/**
 * The result of one training step.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { type StepResult, Trainer, meanIoU, shapesBatch } from '@losskit/onnx-train';
 * const trainer = new Trainer({ model: { kind: 'unet', numClasses: 3, depth: 1, baseWidth: 4 }, loss: catalogue.dice() });
 * const result: StepResult = await trainer.step(shapesBatch(2, 16, 0));
 * meanIoU(result.confusion);
 * ```
 */
export interface StepResult {
  readonly loss: number;
  /** This batch's confusion counts before the update (rows = true class, columns = predicted). */
  readonly confusion: Confusion;
}

interface Compiled<G> {
  graph: G;
  session: InferenceSession;
}

/**
 * A training step whose outputs are not finite (the loss or an updated weight is NaN or Inf) on
 * finite inputs: the step is not committed, weights and optimizer state stay as they were.
 * Non-finite inputs are refused before the step runs with core's `InputError` instead.
 *
 * @example
 * ```ts
 * import { catalogue } from '@losskit/core';
 * import { DivergenceError, Trainer, shapesBatch } from '@losskit/onnx-train';
 * const trainer = new Trainer({ model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 4 }, loss: catalogue.dice(), learningRate: 1e30 });
 * try {
 *   await trainer.step(shapesBatch(2, 8, 0));
 * } catch (error) {
 *   if (error instanceof DivergenceError) console.error(error.message); // names the step and the learning rate
 * }
 * ```
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
}

/** Index of the first NaN or Inf, or -1. */
function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/**
 * Trains a model in ONNX Runtime. Each batch shape gets one training-step graph and one eval graph
 * (built and opened on first use); weights, optimizer state, batch-norm statistics and loss state
 * live here as ORT tensors and are fed back into the next run.
 *
 * @example
 * ```ts
 * import { paperExperiments } from '@losskit/core';
 * import { Trainer, shapesBatch } from '@losskit/onnx-train';
 * const trainer = new Trainer({ model: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 }, loss: paperExperiments[6]!.build({ numClasses: 3 }) });
 * const { loss } = await trainer.step(shapesBatch(4, 32, 1));
 * await trainer.save('unet.onnx');
 * ```
 */
export class Trainer {
  readonly model: Model;
  readonly loss: TrainingLoss;
  readonly optimizer: OptimizerConfig;
  /** Steps taken so far. */
  stepCount = 0;
  /** The runtime and provider the sessions run on (once the first one is open), and why preferred providers were skipped. */
  runtime: RuntimeName | undefined;
  provider: ExecutionProviderName | undefined;
  readonly providerLog: string[] = [];
  private readonly options: TrainerOptions;
  /** The starting weights, until the runtime is loaded and they become its tensors. */
  private readonly initial: ModelWeights;
  private loaded: Promise<OrtRuntime> | undefined;
  private readonly parameters = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly optimizerState = new Map<string, Tensor>();
  private readonly lossState = new Map<string, Tensor>();
  private readonly trainGraphs = new Map<string, Promise<Compiled<TrainingStepGraph>>>();
  private readonly evalGraphs = new Map<string, Promise<Compiled<EvalGraph>>>();
  private readonly dropoutRandom: Prng;
  private lastSize: { height: number; width: number } | undefined;
  /** Steps of the current optimizer state (Adam's bias correction counts these). */
  private optimizerSteps = 0;

  constructor(options: TrainerOptions, weights?: ModelWeights) {
    this.options = options;
    this.model = 'forward' in options.model ? options.model : createModel(options.model);
    this.loss = options.loss;
    this.optimizer = options.optimizer ?? { kind: 'adam' };
    const seed = options.seed ?? 0;
    this.dropoutRandom = Prng.derive(seed, 'dropout');
    this.initial = {
      parameters: new Map(this.model.parameters.map((p) => [p.name, weights?.parameters.get(p.name) ?? initialValues(p, seed)])),
      buffers: new Map(
        this.model.buffers.map((b) => [
          b.name,
          weights?.buffers.get(b.name) ?? new Float32Array(b.shape.reduce((x, y) => x * y, 1)).fill(b.init === 'ones' ? 1 : 0),
        ]),
      ),
    };
  }

  /** The runtime, loaded on first use; the starting weights become its tensors then. */
  private ready(): Promise<OrtRuntime> {
    this.loaded ??= resolveRuntime(this.options.runtime).then((runtime) => {
      for (const p of this.model.parameters)
        this.parameters.set(p.name, new runtime.ort.Tensor('float32', this.initial.parameters.get(p.name)!, [...p.shape]));
      for (const b of this.model.buffers) this.buffers.set(b.name, new runtime.ort.Tensor('float32', this.initial.buffers.get(b.name)!, [...b.shape]));
      return runtime;
    });
    return this.loaded;
  }

  private async open(bytes: Uint8Array): Promise<InferenceSession> {
    const runtime = await this.ready();
    const opened = await openSession(bytes, this.options.providers, {
      runtime: runtime.ort,
      ...(this.options.threads !== undefined ? { intraOpThreads: this.options.threads } : {}),
      // a training step keeps hundreds of activations for the backward pass: ORT's memory pattern
      // pre-plans blocks for them and raised peak RSS by half (U-Net depth 3, width 16, 128x128,
      // batch 8: 742 -> 484 MiB without it) at no speed gain; the CPU arena still reuses buffers
      enableMemPattern: false,
    });
    if (this.provider === undefined) {
      this.runtime = opened.runtime;
      this.provider = opened.provider;
      this.providerLog.push(...opened.skipped);
    }
    return opened.session;
  }

  private trainGraph(shape: StepShape): Promise<Compiled<TrainingStepGraph>> {
    const key = `${shape.batch}x${shape.height}x${shape.width}`;
    let found = this.trainGraphs.get(key);
    if (found === undefined) {
      found = (async () => {
        const graph = buildTrainingStep(this.model, this.loss, this.optimizer, shape, {
          ...(this.options.lossParams !== undefined ? { lossParams: this.options.lossParams } : {}),
          ...(this.options.im2colLimitBytes !== undefined ? { im2colLimitBytes: this.options.im2colLimitBytes } : {}),
          ...(this.options.opset !== undefined ? { opset: this.options.opset } : {}),
        });
        return { graph, session: await this.open(graph.bytes) };
      })();
      this.trainGraphs.set(key, found);
    }
    return found;
  }

  private evalGraph(shape: StepShape): Promise<Compiled<EvalGraph>> {
    const key = `${shape.batch}x${shape.height}x${shape.width}`;
    let found = this.evalGraphs.get(key);
    if (found === undefined) {
      found = (async () => {
        const graph = buildEvalGraph(this.model, shape, this.options.opset !== undefined ? { opset: this.options.opset } : {});
        return { graph, session: await this.open(graph.bytes) };
      })();
      this.evalGraphs.set(key, found);
    }
    return found;
  }

  /** One optimizer step on the batch; returns the loss and the batch's confusion counts. */
  async step(batch: Batch, options: { learningRate?: number } = {}): Promise<StepResult> {
    const labels = checkBatch(batch, this.model.inChannels, this.model.sizeMultiple);
    const badPixel = firstNonFinite(batch.images);
    if (badPixel >= 0)
      throw new InputError(
        `training step ${this.stepCount + 1}: batch.images has a non-finite value (${batch.images[badPixel]}) at flat index ${badPixel} of shape [${batch.shape}]; the step was not taken (weights unchanged)`,
      );
    const [n, , h, w] = batch.shape;
    const { graph, session } = await this.trainGraph({ batch: n, height: h, width: w });
    const { Tensor } = (await this.ready()).ort;
    const floatTensor = (data: Float32Array, shape: readonly number[]) => new Tensor('float32', data, [...shape]);
    const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
    const learningRate = options.learningRate ?? this.options.learningRate ?? 1e-3;
    if (!(Number.isFinite(learningRate) && learningRate > 0))
      throw new InputError(`training step ${this.stepCount + 1}: the learning rate must be a finite number > 0, got ${learningRate}`);
    const feeds: Record<string, Tensor> = {
      [graph.images]: floatTensor(batch.images, batch.shape),
      [graph.labels]: new Tensor('int32', labels, [n, h, w]),
      [graph.learningRate]: scalar(learningRate),
      [graph.step]: scalar(this.optimizerSteps + 1),
    };
    const zeros = (shape: readonly number[]) => floatTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    for (const [name, v] of graph.parameters) feeds[v.input] = this.parameters.get(name)!;
    for (const [name, v] of graph.buffers) feeds[v.input] = this.buffers.get(name)!;
    for (const [key, v] of graph.optimizerState) feeds[v.input] = this.optimizerState.get(key) ?? zeros(v.shape);
    for (const [slot, v] of graph.lossState) feeds[v.input] = this.lossState.get(slot) ?? zeros(v.shape);
    for (const d of graph.dropouts)
      feeds[d.input] = floatTensor(dropoutMask(d.shape.reduce((a, b) => a * b, 1), d.rate, () => this.dropoutRandom.next()), d.shape);

    const out = await session.run(feeds);
    // commit only a finite step: a NaN written into the weights would poison every later step
    const loss = Number(out[graph.loss]!.data[0]);
    const step = this.stepCount + 1;
    if (!Number.isFinite(loss))
      throw new DivergenceError(
        `training step ${step} diverged: the loss is ${loss} on finite inputs (learning rate ${learningRate} too high?); weights and optimizer state are kept from step ${this.stepCount}`,
      );
    const carried = [graph.parameters, graph.buffers, graph.optimizerState, graph.lossState] as const;
    for (const values of carried)
      for (const [name, v] of values) {
        const bad = firstNonFinite(out[v.output]!.data as Float32Array);
        if (bad >= 0)
          throw new DivergenceError(
            `training step ${step} diverged: the update of '${name}' is not finite (${(out[v.output]!.data as Float32Array)[bad]} at flat index ${bad}; learning rate ${learningRate} too high?); weights and optimizer state are kept from step ${this.stepCount}`,
          );
      }
    for (const [name, v] of graph.parameters) this.parameters.set(name, out[v.output]!);
    for (const [name, v] of graph.buffers) this.buffers.set(name, out[v.output]!);
    for (const [key, v] of graph.optimizerState) this.optimizerState.set(key, out[v.output]!);
    for (const [slot, v] of graph.lossState) this.lossState.set(slot, out[v.output]!);
    this.stepCount++;
    this.optimizerSteps++;
    this.lastSize = { height: h, width: w };
    return { loss, confusion: confusionFrom(out[graph.confusion]!.data as Float32Array, this.model.numClasses) };
  }

  /** Forward in evaluation mode; the batch's confusion counts (and the logits). */
  async evaluate(batch: Batch): Promise<Confusion> {
    return (await this.predict(batch)).confusion;
  }

  async predict(batch: Batch): Promise<{ logits: Float32Array; confusion: Confusion }> {
    const labels = checkBatch(batch, this.model.inChannels, this.model.sizeMultiple);
    const [n, , h, w] = batch.shape;
    const { graph, session } = await this.evalGraph({ batch: n, height: h, width: w });
    const { Tensor } = (await this.ready()).ort;
    const feeds: Record<string, Tensor> = {
      [graph.images]: new Tensor('float32', batch.images, [...batch.shape]),
      [graph.labels]: new Tensor('int32', labels, [n, h, w]),
    };
    for (const [name, input] of graph.parameters) feeds[input] = this.parameters.get(name)!;
    for (const [name, input] of graph.buffers) feeds[input] = this.buffers.get(name)!;
    const out = await session.run(feeds);
    return {
      logits: out[graph.logits]!.data as Float32Array,
      confusion: confusionFrom(out[graph.confusion]!.data as Float32Array, this.model.numClasses),
    };
  }

  /** Current weights (copies). */
  weights(): ModelWeights {
    const copy = (m: Map<string, Tensor>, initial: ReadonlyMap<string, Float32Array>) =>
      m.size > 0
        ? new Map([...m].map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]))
        : new Map([...initial].map(([k, v]) => [k, Float32Array.from(v)]));
    return { parameters: copy(this.parameters, this.initial.parameters), buffers: copy(this.buffers, this.initial.buffers) };
  }

  /** The trained model as a plain inference ONNX model (default size: the last batch's). */
  exportModel(size: { height: number; width: number } | undefined = this.lastSize): Uint8Array {
    if (size === undefined) throw new Error('exportModel: give { height, width } (no batch has been seen yet)');
    return exportInferenceModel(this.model, this.weights(), size, this.stepCount);
  }

  /** Writes the checkpoint (Node): the inference ONNX model with weights as initializers. */
  async save(path: string, size?: { height: number; width: number }): Promise<void> {
    await writeBytes(path, this.exportModel(size));
  }

  /**
   * Reads a checkpoint written by save(); the model comes from its metadata. Optimizer state is
   * not stored: training resumes with a fresh optimizer state from the saved weights.
   */
  static async load(path: string, options: Omit<TrainerOptions, 'model'>): Promise<Trainer> {
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(path);
    } catch (error) {
      throw new CheckpointError(`checkpoint '${path}' could not be read: ${(error as Error).message}`);
    }
    return Trainer.fromCheckpoint(bytes, options, `'${path}'`);
  }

  /** A trainer from checkpoint bytes (what exportModel() gave; in a browser, from fetch or a file input). */
  static fromCheckpoint(bytes: Uint8Array, options: Omit<TrainerOptions, 'model'>, source = 'the checkpoint'): Trainer {
    const { model, weights, step } = readCheckpoint(bytes, source, createModel);
    const trainer = new Trainer({ ...options, model }, weights);
    trainer.stepCount = step;
    return trainer;
  }

  async release(): Promise<void> {
    const all = [...this.trainGraphs.values(), ...this.evalGraphs.values()];
    this.trainGraphs.clear();
    this.evalGraphs.clear();
    for (const c of all) await (await c).session.release();
  }
}
