import { readFile, writeFile } from 'node:fs/promises';
import { AUTO_PROVIDERS, type ExecutionProviderName, openSession } from '@losskit/onnx';
import * as ort from 'onnxruntime-node';
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
  /** Execution providers in order of preference (default ['cpu']); 'auto' = cuda, webgpu, cpu. */
  readonly providers?: readonly ExecutionProviderName[] | 'auto';
  /** Values for the loss's scalar params (defaults otherwise). */
  readonly lossParams?: Readonly<Record<string, number>>;
  /** im2col budget per conv weight gradient (bytes): more is faster, less keeps peak memory down. Default 64 MiB. */
  readonly im2colLimitBytes?: number;
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
  session: ort.InferenceSession;
}

/**
 * Sessions without ORT's memory pattern: for a training step (hundreds of activations kept for the
 * backward pass) the pattern's pre-planned blocks raised peak RSS by half (U-Net depth 3, width 16,
 * 128x128, batch 8: 742 -> 484 MiB) and were no faster; the CPU arena still reuses freed buffers.
 */
const createLean: typeof ort.InferenceSession.create = ((bytes: Uint8Array, options?: ort.InferenceSession.SessionOptions) =>
  ort.InferenceSession.create(bytes, { ...options, enableMemPattern: false })) as typeof ort.InferenceSession.create;

const floatTensor = (data: Float32Array, shape: readonly number[]) => new ort.Tensor('float32', data, [...shape]);
const scalar = (v: number) => new ort.Tensor('float32', Float32Array.from([v]), []);

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
  /** The provider the sessions run on, and why preferred ones were skipped. */
  provider: ExecutionProviderName | undefined;
  readonly providerLog: string[] = [];
  private readonly options: TrainerOptions;
  private readonly parameters = new Map<string, ort.Tensor>();
  private readonly buffers = new Map<string, ort.Tensor>();
  private readonly optimizerState = new Map<string, ort.Tensor>();
  private readonly lossState = new Map<string, ort.Tensor>();
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
    for (const p of this.model.parameters)
      this.parameters.set(p.name, floatTensor(weights?.parameters.get(p.name) ?? initialValues(p, seed), p.shape));
    for (const b of this.model.buffers) {
      const fresh = new Float32Array(b.shape.reduce((x, y) => x * y, 1)).fill(b.init === 'ones' ? 1 : 0);
      this.buffers.set(b.name, floatTensor(weights?.buffers.get(b.name) ?? fresh, b.shape));
    }
  }

  private async open(bytes: Uint8Array): Promise<ort.InferenceSession> {
    const providers = this.options.providers === 'auto' ? AUTO_PROVIDERS : (this.options.providers ?? ['cpu']);
    const opened = await openSession(bytes, providers, this.options.threads !== undefined ? { intraOpThreads: this.options.threads } : {}, createLean);
    if (this.provider === undefined) {
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
        const graph = buildEvalGraph(this.model, shape);
        return { graph, session: await this.open(graph.bytes) };
      })();
      this.evalGraphs.set(key, found);
    }
    return found;
  }

  /** One optimizer step on the batch; returns the loss and the batch's confusion counts. */
  async step(batch: Batch, options: { learningRate?: number } = {}): Promise<StepResult> {
    const labels = checkBatch(batch, this.model.inChannels, this.model.sizeMultiple);
    const [n, , h, w] = batch.shape;
    const { graph, session } = await this.trainGraph({ batch: n, height: h, width: w });
    const learningRate = options.learningRate ?? this.options.learningRate ?? 1e-3;
    const feeds: Record<string, ort.Tensor> = {
      [graph.images]: floatTensor(batch.images, batch.shape),
      [graph.labels]: new ort.Tensor('int32', labels, [n, h, w]),
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
    for (const [name, v] of graph.parameters) this.parameters.set(name, out[v.output]!);
    for (const [name, v] of graph.buffers) this.buffers.set(name, out[v.output]!);
    for (const [key, v] of graph.optimizerState) this.optimizerState.set(key, out[v.output]!);
    for (const [slot, v] of graph.lossState) this.lossState.set(slot, out[v.output]!);
    this.stepCount++;
    this.optimizerSteps++;
    this.lastSize = { height: h, width: w };
    const loss = Number(out[graph.loss]!.data[0]);
    if (!Number.isFinite(loss)) throw new Error(`training step ${this.stepCount}: the loss is ${loss} (learning rate ${learningRate} too high?)`);
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
    const feeds: Record<string, ort.Tensor> = {
      [graph.images]: floatTensor(batch.images, batch.shape),
      [graph.labels]: new ort.Tensor('int32', labels, [n, h, w]),
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
    const copy = (m: Map<string, ort.Tensor>) => new Map([...m].map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]));
    return { parameters: copy(this.parameters), buffers: copy(this.buffers) };
  }

  /** The trained model as a plain inference ONNX model (default size: the last batch's). */
  exportModel(size: { height: number; width: number } | undefined = this.lastSize): Uint8Array {
    if (size === undefined) throw new Error('exportModel: give { height, width } (no batch has been seen yet)');
    return exportInferenceModel(this.model, this.weights(), size, this.stepCount);
  }

  /** Writes the checkpoint: the inference ONNX model with weights as initializers. */
  async save(path: string, size?: { height: number; width: number }): Promise<void> {
    await writeFile(path, this.exportModel(size));
  }

  /**
   * Reads a checkpoint written by save(); the model comes from its metadata. Optimizer state is
   * not stored: training resumes with a fresh optimizer state from the saved weights.
   */
  static async load(path: string, options: Omit<TrainerOptions, 'model'>): Promise<Trainer> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new CheckpointError(`checkpoint '${path}' could not be read: ${(error as Error).message}`);
    }
    const { model, weights, step } = readCheckpoint(bytes, `'${path}'`, createModel);
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
