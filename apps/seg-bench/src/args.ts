import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { BackendName, ModelKind } from './backends/training-backend.js';
import { DATASETS, type DatasetName, EMBEDDED_DATASETS } from './datasets/registry.js';
import { type RedisTarget, parseRedisUrl } from './queue/redis-url.js';
import type { LossRef } from './run/run-spec.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The paper's five seeds. */
export const PAPER_SEEDS = [1, 250, 500, 777, 999] as const;
const PAPER_EXPERIMENT_COUNT = 27;

type SummaryFormat = 'markdown' | 'csv' | 'json';

export interface Preset {
  readonly models: readonly ModelKind[];
  readonly seeds: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly imageSize: number;
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  /** undefined: every image of the split (synthetic: 512 / 128). */
  readonly trainImages: number | undefined;
  readonly valImages: number | undefined;
}

/**
 * The default run is sized to finish in a few minutes on two cores with all 27 experiments;
 * --full is the paper-sized grid (both models, five seeds, full images, many epochs); --preset
 * power trades image size for seeds, to compare losses against seed noise: FCN (the model with
 * the smallest seed spread in earlier runs), ten seeds, twice the default data, 5 epochs.
 */
export const PRESETS: { readonly small: Preset; readonly full: Preset; readonly power: Preset } = {
  small: {
    models: ['unet'],
    seeds: [1, 250, 500],
    epochs: 3,
    batchSize: 8,
    imageSize: 32,
    width: 8,
    depth: 2,
    learningRate: 3e-3,
    trainImages: 64,
    valImages: 32,
  },
  full: {
    models: ['unet', 'fcn'],
    seeds: [...PAPER_SEEDS],
    epochs: 30,
    batchSize: 8,
    imageSize: 128,
    width: 16,
    depth: 3,
    learningRate: 1e-3,
    trainImages: undefined,
    valImages: undefined,
  },
  power: {
    models: ['fcn'],
    seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    epochs: 5,
    batchSize: 8,
    imageSize: 32,
    width: 8,
    depth: 2,
    learningRate: 3e-3,
    trainImages: 128,
    valImages: 64,
  },
};

interface LossChoice {
  /** '1'..'27' for the paper's experiments, 'custom:<n>' for user losses. */
  readonly experiment: string;
  readonly loss: LossRef;
}

export interface RunCommand {
  readonly command: 'run';
  readonly backend: BackendName;
  readonly models: readonly ModelKind[];
  readonly dataset: DatasetName;
  readonly dataDir: string | undefined;
  readonly losses: readonly LossChoice[];
  readonly seeds: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly imageSize: number;
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly trainImages: number | undefined;
  readonly valImages: number | undefined;
  readonly threads: number;
  readonly workers: number;
  readonly out: string;
  readonly fresh: boolean;
  readonly skipBad: boolean;
  readonly dataSeed: number;
  readonly ema: 'literal' | 'stateful';
  readonly format: SummaryFormat;
  readonly progress: 'auto' | 'plain' | 'none';
  /** --queue: this process coordinates a sweep whose runs `seg-bench worker` processes execute. */
  readonly queue: QueueOptions | undefined;
}

/** Where a queue sweep lives: a Redis server and a BullMQ queue name on it. */
export interface QueueOptions {
  readonly target: RedisTarget;
  readonly name: string;
  /** Tries per run before it is reported failed (a worker's death is counted apart, see worker.ts). */
  readonly attempts: number;
}

/** `seg-bench worker`: takes runs from the queue until stopped. */
export interface WorkerCommand {
  readonly command: 'worker';
  readonly target: RedisTarget;
  readonly name: string;
  readonly threads: number;
  readonly concurrency: number;
  readonly dataDir: string | undefined;
  /** BullMQ's job lock (ms): renewed every half of it; a run whose lock lapses is given to another worker. */
  readonly lockDuration: number;
  /** How often (ms) this worker looks for runs whose worker is gone. */
  readonly stalledInterval: number;
}

interface SummaryCommand {
  readonly command: 'summary';
  readonly out: string;
  readonly format: SummaryFormat;
  readonly epoch: number | undefined;
}

export type Command = RunCommand | SummaryCommand | WorkerCommand | { readonly command: 'help' };

export const USAGE = `seg-bench: train U-Net / FCN segmentation models with the paper's 27 loss experiments
(Optimizing Deep Learning Models with Hybrid Nonlinear Loss Functions) and report DSC, F1, IoU,
loss, precision and recall, macro and micro, mean ± std over seeds.

Usage:
  seg-bench [options]             run the benchmark (resumes an interrupted results file)
  seg-bench summary [options]     print the tables of a results file
  seg-bench --queue URL [options] coordinate a sweep whose runs 'seg-bench worker' processes train
  seg-bench worker --queue URL    train runs of the queue until stopped (any number, any machine)
  pnpm bench -- [options]         the same from the repository root

Run options (defaults: the small preset, a few minutes on 2 cores):
  --backend onnx|tfjs       training backend (onnx: ONNX Runtime graphs; tfjs: TensorFlow.js cpu)  [onnx]
  --model unet|fcn[,..]     model(s)                                      [unet; --full: unet,fcn]
  --dataset synthetic|digits|voc|atr  data: embedded procedural scenes, embedded MNIST digit
                            scenes, Pascal VOC 2012, ATR                        [synthetic]
  --data-dir PATH           dataset directory (voc, atr); see the README for the layouts
  --experiments LIST        paper experiments, ranges and lists: 1-27, 1,5,9-12        [1-27]
  --loss FORMULA            a custom loss (repeatable), e.g. "CE + A*L1*exp((1-A)*L2)"; names:
                            pred (logits), labels, target (one-hot), probs, CE, L1, L2;
                            coefficients are written as numbers
  --loss-module PATH        a module exporting 'loss': a Loss or (numClasses) => Loss (repeatable)
  --seeds LIST              seeds                                   [1,250,500; --full: 1,250,500,777,999]
  --epochs N                epochs per run                                    [3; --full: 30]
  --batch N                 batch size                                        [8]
  --image-size N            square image side (U-Net: multiple of 2^depth; FCN: of 32) [32; --full: 128]
  --width N                 filters of the first level                        [8; --full: 16]
  --depth N                 U-Net poolings                                    [2; --full: 3]
  --lr X                    Adam learning rate                                [0.003; --full: 0.001]
  --train-images N          use the first N training images                   [64; --full: all]
  --val-images N            use the first N validation images                 [32; --full: all]
  --data-seed N             seed of the synthetic scenes                      [0]
  --ema literal|stateful    the paper's EMA term as printed, or a moving average over steps [literal]
  --threads N               ORT intra-op threads per run (onnx only)          [1]
  --workers N               parallel runs (workers x threads <= cores)        [cores / threads]
  --out FILE                results file (JSON lines)          [results/<dataset>-<backend>.jsonl]
  --fresh                   delete the results file first instead of resuming
                            (with --queue: and empty the queue and its rows)
  --skip-bad                skip unreadable images (counted) instead of stopping at the first
  --preset small|full|power the defaults: small (this list), full (paper-sized; the values
                            after 'full:' above), power (FCN, seeds 1-10, 5 epochs, 128/64
                            images: seeds enough for the paired tests); explicit options win
  --full                    the same as --preset full
  --progress auto|plain|none  live line on a TTY, log lines otherwise        [auto]
  --format markdown|csv|json  table format printed at the end               [markdown]
  --queue URL               coordinate through Redis + BullMQ instead of local workers:
                            redis://[user:password@]host[:port][/db], rediss:// for TLS;
                            a password may come from REDISCLI_AUTH instead of the URL
  --queue-name NAME         the BullMQ queue (one sweep at a time each)       [seg-bench]
  --attempts N              tries per run before it is reported failed (--queue) [3]

Worker options (seg-bench worker):
  --queue URL, --queue-name NAME   as for the coordinator
  --concurrency N           runs at a time on this machine (concurrency x threads <= cores) [cores / threads]
  --threads N               ORT intra-op threads per run                      [1]
  --data-dir PATH           this machine's copy of the voc / atr data
  --lock-duration MS        job lock, renewed every MS/2; a lapsed lock hands the run on [30000]
  --stalled-interval MS     how often to look for runs of dead workers        [30000]

Summary options:
  --out FILE                results file to read                [results/synthetic-onnx.jsonl]
  --format markdown|csv|json
  --epoch N                 scores after epoch N (default: each run's last epoch)

  -h, --help                this text
`;

const OPTIONS = {
  backend: { type: 'string' },
  model: { type: 'string' },
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  experiments: { type: 'string' },
  loss: { type: 'string', multiple: true },
  'loss-module': { type: 'string', multiple: true },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  'image-size': { type: 'string' },
  width: { type: 'string' },
  depth: { type: 'string' },
  lr: { type: 'string' },
  'train-images': { type: 'string' },
  'val-images': { type: 'string' },
  'data-seed': { type: 'string' },
  ema: { type: 'string' },
  threads: { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string' },
  fresh: { type: 'boolean' },
  'skip-bad': { type: 'boolean' },
  full: { type: 'boolean' },
  preset: { type: 'string' },
  progress: { type: 'string' },
  format: { type: 'string' },
  epoch: { type: 'string' },
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
  attempts: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SUMMARY_OPTIONS = new Set(['out', 'format', 'epoch', 'help']);
const WORKER_OPTIONS = new Set(['queue', 'queue-name', 'concurrency', 'threads', 'data-dir', 'lock-duration', 'stalled-interval', 'help']);
/** Options that only a worker takes, with what the coordinator has instead. */
const WORKER_ONLY: Readonly<Record<string, string>> = {
  concurrency: 'on the coordinator it is --workers (local) or each worker\'s --concurrency (--queue)',
  'lock-duration': 'it is a worker option (seg-bench worker --lock-duration MS)',
  'stalled-interval': 'it is a worker option (seg-bench worker --stalled-interval MS)',
};
/** BullMQ queue names become Redis key parts: keep them to a plain alphabet (no ':' separators). */
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

function queueName(value: string | undefined): string {
  const name = value ?? 'seg-bench';
  if (!QUEUE_NAME.test(name)) throw new UsageError(`--queue-name ${name}: expected 1-64 letters, digits, '.', '_' or '-'`);
  return name;
}

function parseWorker(values: Record<string, unknown>, cores: number): WorkerCommand {
  const extra = Object.keys(values).filter((k) => !WORKER_OPTIONS.has(k));
  if (extra.length > 0) {
    throw new UsageError(`worker takes ${[...WORKER_OPTIONS].filter((o) => o !== 'help').map((o) => `--${o}`).join(', ')}; --${extra[0]} is set on the coordinator`);
  }
  const text = values.queue as string | undefined;
  if (text === undefined) throw new UsageError('worker needs --queue redis://host:port (the Redis the coordinator was started with)');
  const threads = integer('threads', values.threads as string | undefined, 1);
  const concurrency = integer('concurrency', values.concurrency as string | undefined, Math.max(1, Math.floor(cores / threads)));
  if (concurrency * threads > cores) {
    throw new UsageError(
      `--concurrency ${concurrency} x --threads ${threads} = ${concurrency * threads} threads on ${cores} cores: lower one of them (concurrency x threads <= ${cores})`,
    );
  }
  const lockDuration = integer('lock-duration', values['lock-duration'] as string | undefined, 30_000, 100);
  return {
    command: 'worker',
    target: parseRedisUrl('--queue', text),
    name: queueName(values['queue-name'] as string | undefined),
    threads,
    concurrency,
    dataDir: values['data-dir'] as string | undefined,
    lockDuration,
    stalledInterval: integer('stalled-interval', values['stalled-interval'] as string | undefined, 30_000, 100),
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} ${value}: expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A plain decimal number: digits, an optional fraction and exponent (no hex, no Infinity, no blanks). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function positiveNumber(flag: string, value: string | undefined, fallback: number, example: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!DECIMAL.test(value) || !(n > 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${flag} ${value}: expected a positive decimal number such as ${example}`);
  }
  return n;
}

/**
 * node's parseArgs reads `--epochs -1` as a missing value followed by an option `-1`; a value
 * that looks like a negative number is joined to its option here so that the option's own check
 * answers (`--epochs -1: expected a whole number >= 1`, as for 0).
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const option = name === undefined ? undefined : (OPTIONS as Record<string, { type: string }>)[name];
    const next = argv[i + 1];
    if (option?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function integer(flag: string, value: string | undefined, fallback: number, min?: number): number;
function integer(flag: string, value: string | undefined, fallback: number | undefined, min?: number): number | undefined;
function integer(flag: string, value: string | undefined, fallback: number | undefined, min = 1): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag} ${value}: expected a whole number >= ${min}`);
  }
  return n;
}

/** "1-5,7,9-10" -> [1,2,3,4,5,7,9,10] (sorted, duplicates dropped), each within [lo, hi]. */
export function parseIdList(flag: string, text: string, lo: number, hi: number): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) {
      throw new UsageError(`--${flag} ${text}: '${part}' is not a number or a range like 3-7 (lists are comma-separated)`);
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from > to) throw new UsageError(`--${flag} ${text}: range ${part} runs backwards (write ${to}-${from})`);
    if (from < lo || to > hi) throw new UsageError(`--${flag} ${text}: ${part} is outside ${lo}..${hi}`);
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** "1,250,500" -> seeds in the given order, duplicates rejected. */
function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim());
  const parsed = seeds.map((s) => {
    if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) {
      throw new UsageError(`--seeds ${text}: '${s}' is not a seed (whole numbers 0..4294967295, comma-separated)`);
    }
    return Number(s);
  });
  if (new Set(parsed).size !== parsed.length) throw new UsageError(`--seeds ${text}: a seed is listed twice`);
  return parsed;
}

function parseModels(text: string): ModelKind[] {
  const models = text.split(',').map((m) => m.trim());
  for (const m of models) if (m !== 'unet' && m !== 'fcn') throw new UsageError(`--model ${text}: '${m}' is not a model; expected unet, fcn or unet,fcn`);
  return [...new Set(models)] as ModelKind[];
}

export function parseCommandLine(argv: readonly string[], cores = availableParallelism()): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages name the option; add where to look
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, '')} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'summary' && positionals[0] !== 'worker')) {
    throw new UsageError(`unexpected argument '${positionals.at(-1)}': the subcommands are 'summary' and 'worker' (see --help)`);
  }
  if (positionals[0] === 'worker') return parseWorker(values, cores);
  const format = oneOf('format', values.format, ['markdown', 'csv', 'json'] as const, 'markdown');
  if (positionals[0] === 'summary') {
    const extra = Object.keys(values).filter((k) => !SUMMARY_OPTIONS.has(k));
    if (extra.length > 0) throw new UsageError(`summary takes --out, --format and --epoch; --${extra[0]} is a run option`);
    return { command: 'summary', out: values.out ?? 'results/synthetic-onnx.jsonl', format, epoch: integer('epoch', values.epoch, undefined) };
  }
  if (values.epoch !== undefined) throw new UsageError('--epoch belongs to the summary subcommand (seg-bench summary --epoch N)');
  for (const [option, instead] of Object.entries(WORKER_ONLY)) {
    if ((values as Record<string, unknown>)[option] !== undefined) throw new UsageError(`--${option}: ${instead}`);
  }
  if (values.queue === undefined) {
    for (const option of ['queue-name', 'attempts'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} is for a queue sweep: add --queue redis://host:port`);
    }
  } else if (values.workers !== undefined) {
    throw new UsageError('--workers is the local pool; with --queue, start `seg-bench worker --queue URL` processes instead (each with its own --concurrency)');
  }

  if (values.full && values.preset !== undefined && values.preset !== 'full')
    throw new UsageError(`--full is --preset full; it cannot be combined with --preset ${values.preset}`);
  const preset = PRESETS[oneOf('preset', values.preset ?? (values.full ? 'full' : undefined), ['small', 'full', 'power'] as const, 'small')];
  const backend = oneOf('backend', values.backend, ['onnx', 'tfjs'] as const, 'onnx');
  const dataset = oneOf('dataset', values.dataset, Object.keys(DATASETS) as DatasetName[], 'synthetic');
  if (!EMBEDDED_DATASETS.has(dataset) && values['data-dir'] === undefined) {
    throw new UsageError(`--dataset ${dataset} needs --data-dir <directory> (the README lists the expected layout)`);
  }
  if (EMBEDDED_DATASETS.has(dataset) && values['data-dir'] !== undefined) {
    throw new UsageError(`--data-dir is for --dataset voc or atr; the ${dataset} dataset is embedded, not read`);
  }
  const losses: LossChoice[] = [];
  const customs = [...(values.loss ?? []), ...(values['loss-module'] ?? [])];
  if (values.experiments !== undefined || customs.length === 0) {
    const ids = parseIdList('experiments', values.experiments ?? `1-${PAPER_EXPERIMENT_COUNT}`, 1, PAPER_EXPERIMENT_COUNT);
    for (const id of ids) losses.push({ experiment: String(id), loss: { kind: 'paper', id } });
  }
  (values.loss ?? []).forEach((text, i) => {
    if (text.trim() === '') throw new UsageError('--loss needs a formula, e.g. --loss "CE + 0.5*L1"');
    losses.push({ experiment: `custom:${i + 1}`, loss: { kind: 'formula', text } });
  });
  (values['loss-module'] ?? []).forEach((path, i) => {
    losses.push({ experiment: `module:${i + 1}`, loss: { kind: 'module', path } });
  });

  const models = values.model === undefined ? [...preset.models] : parseModels(values.model);
  const depth = integer('depth', values.depth, preset.depth);
  const imageSize = integer('image-size', values['image-size'], preset.imageSize, 8);
  for (const model of models) {
    const multiple = model === 'unet' ? 2 ** depth : 32;
    if (imageSize % multiple !== 0) {
      throw new UsageError(
        `--image-size ${imageSize}: ${model === 'unet' ? `U-Net with --depth ${depth}` : 'FCN-8s'} needs a multiple of ${multiple}` +
          ` (e.g. ${Math.max(multiple, Math.round(imageSize / multiple) * multiple)})`,
      );
    }
  }
  const threads = integer('threads', values.threads, 1);
  const workers = integer('workers', values.workers, Math.max(1, Math.floor(cores / threads)));
  if (workers * threads > cores) {
    throw new UsageError(
      `--workers ${workers} x --threads ${threads} = ${workers * threads} threads on ${cores} cores: ` +
        `lower one of them (workers x threads <= ${cores}) so ONNX Runtime threads do not fight over cores`,
    );
  }
  const lr = positiveNumber('lr', values.lr, preset.learningRate, '0.001');
  return {
    command: 'run',
    backend,
    models,
    dataset,
    dataDir: values['data-dir'],
    losses,
    seeds: values.seeds === undefined ? [...preset.seeds] : parseSeeds(values.seeds),
    epochs: integer('epochs', values.epochs, preset.epochs),
    batchSize: integer('batch', values.batch, preset.batchSize),
    imageSize,
    width: integer('width', values.width, preset.width),
    depth,
    learningRate: lr,
    trainImages: integer('train-images', values['train-images'], preset.trainImages),
    valImages: integer('val-images', values['val-images'], preset.valImages),
    threads,
    workers,
    out: values.out ?? `results/${dataset}-${backend}.jsonl`,
    fresh: values.fresh ?? false,
    skipBad: values['skip-bad'] ?? false,
    dataSeed: integer('data-seed', values['data-seed'], 0, 0),
    ema: oneOf('ema', values.ema, ['literal', 'stateful'] as const, 'literal'),
    format,
    progress: oneOf('progress', values.progress, ['auto', 'plain', 'none'] as const, 'auto'),
    queue:
      values.queue === undefined
        ? undefined
        : { target: parseRedisUrl('--queue', values.queue), name: queueName(values['queue-name']), attempts: integer('attempts', values.attempts, 3) },
  };
}
