/**
 * The anchors: the losskit ONNX Runtime training step against PyTorch and Keras 3 (TensorFlow) on
 * the CPU, training the identical network from the identical initial weights (exported from
 * losskit) on the identical batches, with the same loss (the paper's experiment 27: cross-entropy
 * + the hybrid v2 Bi-eLU term) and the same optimizer (Adam, lr 1e-3). Every cell (system x threads)
 * runs in its own child process, so its peak RSS is its own; cells are interleaved round by round.
 * The first losses of the three systems must agree (same math, float32): the run says so, or fails.
 *
 *   pnpm --filter @losskit/onnx-train bench:anchors                 # full grid: 3 models x 32, 128, 256 px
 *   pnpm --filter @losskit/onnx-train bench:anchors -- --quick      # the three headline rows, fewer steps
 *   options: --models unet-d2w8,unet-d3w16,fcn8s  --sizes 32,128,256  --threads 1,2  --rounds 2
 *            --systems ort,torch,keras  --steps N (per cell, the first is a warm-up)  --python python3
 *
 * Python side: bench/anchors.py (`python3 -m pip install torch tensorflow-cpu keras threadpoolctl`).
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from the anchors' environment only (they pin
 * OpenBLAS to a slow kernel); the kernels each anchor ran are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paperExperiments } from '@losskit/core';
import { GraphBuilder } from '@losskit/onnx';
import { type ModelConfig, Tape, Trainer, buildNet, createModel, initialValues, inputSources, shapesBatch } from '../src/index.js';

const ROWS: Record<string, { label: string; config: ModelConfig }> = {
  'unet-d2w8': { label: 'U-Net d2 w8', config: { kind: 'unet', numClasses: 3, depth: 2, baseWidth: 8 } },
  'unet-d3w16': { label: 'U-Net d3 w16', config: { kind: 'unet', numClasses: 3, depth: 3, baseWidth: 16 } },
  fcn8s: { label: 'FCN-8s w16', config: { kind: 'fcn', numClasses: 3, baseWidth: 16, variant: '8s' } },
};
const BATCH = 8;
const BATCHES = 3;
const LEARNING_RATE = 1e-3;
/** Losses compared between systems (the first ones, before noise in the updates compounds). */
const COMPARED_LOSSES = 4;
/** |loss_system - loss_ORT| allowed at step i (float32 sums in different orders; Adam amplifies at first). */
const LOSS_TOLERANCE = [1e-4, 1e-3, 2e-3, 3e-3];
const HEADLINE = new Set(['unet-d2w8@32', 'unet-d3w16@128', 'fcn8s@128']);
const SYSTEMS = ['ort', 'torch', 'keras'] as const;
type System = (typeof SYSTEMS)[number];

interface CellResult {
  losses: number[];
  stepSeconds: number[];
  peakRssMiB: number;
  kernels: string[];
}

const here = fileURLToPath(new URL('.', import.meta.url));

function stepsFor(size: number, quick: boolean): number {
  if (size <= 32) return quick ? 12 : 30;
  if (size <= 128) return quick ? 5 : 10;
  return quick ? 3 : 5;
}

/** The row's model, initial weights and batches, written where the children read them. */
function exportRow(dir: string, config: ModelConfig, size: number): void {
  mkdirSync(dir, { recursive: true });
  const model = createModel(config);
  const parameters = model.parameters.map((p) => ({ name: p.name, shape: p.shape }));
  const buffers = model.buffers.map((b) => ({ name: b.name, shape: b.shape }));
  const chunks = [
    ...model.parameters.map((p) => initialValues(p, 0)),
    ...model.buffers.map((b) => new Float32Array(b.shape.reduce((x, y) => x * y, 1)).fill(b.init === 'ones' ? 1 : 0)),
  ];
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
  const batches = Array.from({ length: BATCHES }, (_, i) => shapesBatch(BATCH, size, i));
  writeFileSync(join(dir, 'images.bin'), Buffer.concat(batches.map((b) => Buffer.from(b.images.buffer))));
  writeFileSync(join(dir, 'labels.bin'), Buffer.concat(batches.map((b) => Buffer.from(Int32Array.from(b.labels).buffer))));
  const manifest = { config: model.config, parameters, buffers, batchShape: [BATCH, 3, size, size], batches: BATCHES, learningRate: LEARNING_RATE };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** The ORT cell: the Trainer from the exported weights, the same batches, Adam, experiment 27. */
async function ortCell(dir: string, threads: number, steps: number): Promise<CellResult> {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    config: ModelConfig;
    parameters: { name: string; shape: number[] }[];
    buffers: { name: string; shape: number[] }[];
    batchShape: [number, number, number, number];
  };
  const flat = new Float32Array(readFileSync(join(dir, 'weights.bin')).buffer.slice(0));
  let offset = 0;
  const take = (shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = flat.slice(offset, offset + size);
    offset += size;
    return values;
  };
  const parameters = new Map(manifest.parameters.map((p) => [p.name, take(p.shape)] as const));
  const buffers = new Map(manifest.buffers.map((b) => [b.name, take(b.shape)] as const));
  const [n, c, h, w] = manifest.batchShape;
  const images = new Float32Array(readFileSync(join(dir, 'images.bin')).buffer.slice(0));
  const labels = new Int32Array(readFileSync(join(dir, 'labels.bin')).buffer.slice(0));
  const per = n * c * h * w;
  const batches = Array.from({ length: BATCHES }, (_, i) => ({
    images: images.subarray(i * per, (i + 1) * per),
    labels: labels.subarray(i * n * h * w, (i + 1) * n * h * w),
    shape: manifest.batchShape,
  }));
  const trainer = new Trainer(
    { model: manifest.config, loss: paperExperiments[26]!.build({ reading: 'batch' }), optimizer: { kind: 'adam' }, learningRate: LEARNING_RATE, threads },
    { parameters, buffers },
  );
  const losses: number[] = [];
  const stepSeconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    losses.push((await trainer.step(batches[i % BATCHES]!)).loss);
    stepSeconds.push((performance.now() - start) / 1000);
  }
  await trainer.release();
  return { losses, stepSeconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, kernels: [`onnxruntime-node ${ort.env.versions.node ?? ''}`.trim()] };
}

/** Float32 GEMM rate of ORT (MatMul 2048^3, MLAS) at the given threads, best of 5. */
async function ortGemm(threads: number): Promise<{ gemmGflops: number }> {
  const ort = await import('onnxruntime-node');
  const size = 2048;
  const builder = new GraphBuilder('gemm');
  builder.input('a', 'float', [size, size]);
  builder.input('b', 'float', [size, size]);
  builder.output(builder.node('MatMul', ['a', 'b'])[0]!, 'float', [size, size]);
  const session = await ort.InferenceSession.create(builder.toModel(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const data = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i));
  const feeds = { a: new ort.Tensor('float32', data, [size, size]), b: new ort.Tensor('float32', data, [size, size]) };
  await session.run(feeds);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  await session.release();
  return { gemmGflops: (2 * size ** 3) / best / 1e9 };
}

/** Forward + backward FLOPs of one image: 2 per multiply-add of every Conv, ConvTranspose and MatMul, x3 (forward, dX, dW; no dX into the images). */
function flopsPerImage(config: ModelConfig, size: number): number {
  const model = createModel(config);
  const tape = new Tape(new GraphBuilder('count'));
  const images = tape.input('images', [1, model.inChannels, size, size]);
  buildNet(model, tape, 'train', inputSources(tape), images);
  let flops = 0;
  for (const node of tape.nodes) {
    const out = tape.shape(node.outputs[0]!);
    let macs = 0;
    if (node.opType === 'Conv') {
      const [, cin, kh, kw] = tape.shape(node.inputs[1]!) as [number, number, number, number];
      macs = out.reduce((a, b) => a * b, 1) * cin * kh * kw;
    } else if (node.opType === 'ConvTranspose') {
      const [cin, cout, kh, kw] = tape.shape(node.inputs[1]!) as [number, number, number, number];
      const xs = tape.shape(node.inputs[0]!);
      macs = xs[2]! * xs[3]! * cin * cout * kh * kw;
    } else if (node.opType === 'MatMul') {
      const a = tape.shape(node.inputs[0]!);
      macs = out.reduce((x, y) => x * y, 1) * a[a.length - 1]!;
    } else continue;
    const fromImages = node.inputs[0] === images;
    flops += 2 * macs * (fromImages ? 2 : 3);
  }
  return flops;
}

function python(): string {
  const i = process.argv.indexOf('--python');
  return i > 0 ? process.argv[i + 1]! : 'python3';
}

/** The anchors' environment: this one less the OpenBLAS pins (they select a slow kernel on this machine). */
function anchorEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function runChild(args: string[], anchor: boolean): unknown {
  const [cmd, argv] = anchor
    ? [python(), [join(here, 'anchors.py'), ...args]]
    : [process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...args]];
  const out = execFileSync(cmd, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
    ...(anchor ? { env: anchorEnv() } : {}),
  });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

function cell(system: System, dir: string, threads: number, steps: number): CellResult {
  return (system === 'ort' ? runChild(['ort', dir, String(threads), String(steps)], false) : runChild([system, dir, String(threads), String(steps)], true)) as CellResult;
}

function option(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1]! : fallback).split(',');
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => loadavg()[0]!;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const models = option('models', Object.keys(ROWS).join(','));
  const sizes = option('sizes', '32,128,256').map(Number);
  const threadCounts = option('threads', '1,2').map(Number);
  const rounds = Number(option('rounds', quick ? '1' : '2')[0]);
  const systems = option('systems', SYSTEMS.join(',')) as System[];
  const fixedSteps = process.argv.includes('--steps') ? Number(option('steps', '0')[0]) : undefined;
  const rows = models.flatMap((m) => sizes.map((s) => ({ model: m, size: s }))).filter((r) => !quick || HEADLINE.has(`${r.model}@${r.size}`));
  if (rows.length === 0) throw new Error('no rows: --quick keeps unet-d2w8@32, unet-d3w16@128 and fcn8s@128 only');
  const root = join(tmpdir(), `losskit-anchors-${process.pid}`);
  console.error(`command: ${process.argv.slice(2).join(' ') || '(defaults)'}; rows: ${rows.map((r) => `${r.model}@${r.size}`).join(', ')}; rounds ${rounds}`);

  // the machine's float32 rate: best of ORT's MLAS MatMul and torch's GEMM / 3x3 conv, per thread count
  const peak = new Map<number, number>();
  const peakNotes: string[] = [];
  for (const t of threadCounts) {
    const ortRate = (runChild(['gemm', String(t)], false) as { gemmGflops: number }).gemmGflops;
    let best = ortRate;
    let note = `${t}t: ORT MatMul ${ortRate.toFixed(0)}`;
    if (systems.includes('torch')) {
      const r = runChild(['gemm', String(t)], true) as { gemmGflops: number; convGflops: number; kernels: string[] };
      best = Math.max(best, r.gemmGflops, r.convGflops);
      note += `, torch mm ${r.gemmGflops.toFixed(0)}, torch conv3x3 ${r.convGflops.toFixed(0)}`;
    }
    peak.set(t, best);
    peakNotes.push(`${note} GFLOP/s (load ${load().toFixed(2)})`);
  }

  const results = new Map<string, CellResult[]>();
  const loads = new Map<string, number[]>();
  const kernels = new Map<System, string[]>();
  for (const row of rows) exportRow(join(root, `${row.model}-${row.size}`), ROWS[row.model]!.config, row.size);
  for (let round = 0; round < rounds; round++)
    for (const row of rows) {
      const dir = join(root, `${row.model}-${row.size}`);
      const steps = fixedSteps ?? stepsFor(row.size, quick);
      // rotate the order of systems and threads each round so no system always runs first
      const cells = threadCounts.flatMap((t) => systems.map((s) => ({ s, t })));
      const order = cells.map((_, i) => cells[(i + round) % cells.length]!);
      for (const { s, t } of order) {
        const key = `${row.model}@${row.size}/${s}/${t}`;
        const before = load();
        const r = cell(s, dir, t, steps);
        (results.get(key) ?? results.set(key, []).get(key)!).push(r);
        (loads.get(row.model + row.size) ?? loads.set(row.model + row.size, []).get(row.model + row.size)!).push(before, load());
        if (!kernels.has(s)) kernels.set(s, r.kernels);
        console.error(
          `round ${round + 1} ${key}: ${(median(r.stepSeconds.slice(1)) * 1000).toFixed(0)} ms/step, ${r.peakRssMiB.toFixed(0)} MiB, losses ${r.losses
            .slice(0, COMPARED_LOSSES)
            .map((l) => l.toFixed(5))
            .join(' ')} (load ${before.toFixed(2)})`,
        );
      }
    }

  // agreement of the first losses (every system, every thread count, against ORT at the first thread count)
  let agree = true;
  const agreement: string[] = [];
  for (const row of rows) {
    const ref = results.get(`${row.model}@${row.size}/ort/${threadCounts[0]}`)?.[0] ?? results.get(`${row.model}@${row.size}/${systems[0]}/${threadCounts[0]}`)![0]!;
    const worst: string[] = [];
    for (const s of systems)
      for (const t of threadCounts)
        for (const r of results.get(`${row.model}@${row.size}/${s}/${t}`) ?? []) {
          const diffs = r.losses.slice(0, COMPARED_LOSSES).map((l, i) => Math.abs(l - ref.losses[i]!));
          if (diffs.some((d, i) => !(d <= LOSS_TOLERANCE[i]!))) agree = false;
          worst.push(`${s} ${t}t ${Math.max(...diffs).toExponential(1)}`);
        }
    agreement.push(
      `${ROWS[row.model]!.label} ${row.size} px: losses 1-${COMPARED_LOSSES} (ORT) ${ref.losses
        .slice(0, COMPARED_LOSSES)
        .map((l) => l.toFixed(4))
        .join(', ')}; max |diff| ${worst.join(', ')}`,
    );
  }

  const imgs = (r: CellResult[]) => Math.max(...r.map((c) => BATCH / median(c.stepSeconds.slice(1))));
  const rss = (r: CellResult[]) => Math.max(...r.map((c) => c.peakRssMiB));
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const header = [
    '| model | size | ' +
      systems.map((s) => `${s} img/s ${threadCounts.map((t) => `${t}t`).join(' / ')}`).join(' | ') +
      ' | ' +
      systems
        .filter((s) => s !== 'ort')
        .map((s) => `ORT ÷ ${s} ${threadCounts.map((t) => `${t}t`).join(' / ')}`)
        .join(' | ') +
      ` | ms/step ${systems.join(' / ')} (best) | peak RSS MiB ${systems.join(' / ')} | % of peak ${systems.join(' / ')} (best) | load |`,
  ];
  const width = header[0]!.split('|').length - 2;
  header.push(`|${'---|'.repeat(width)}`);
  const lines = [...header];
  for (const row of rows) {
    const get = (s: System, t: number) => results.get(`${row.model}@${row.size}/${s}/${t}`)!;
    const flops = flopsPerImage(ROWS[row.model]!.config, row.size);
    const cols: string[] = [ROWS[row.model]!.label, `${row.size} px`];
    for (const s of systems) cols.push(threadCounts.map((t) => f(imgs(get(s, t)))).join(' / '));
    for (const s of systems.filter((x) => x !== 'ort'))
      cols.push(systems.includes('ort') ? threadCounts.map((t) => `${(imgs(get('ort', t)) / imgs(get(s, t))).toFixed(2)}x`).join(' / ') : '-');
    const best = (s: System) => Math.max(...threadCounts.map((t) => imgs(get(s, t))));
    const bestT = (s: System) => threadCounts.reduce((a, t) => (imgs(get(s, t)) > imgs(get(s, a)) ? t : a), threadCounts[0]!);
    cols.push(systems.map((s) => ((BATCH / best(s)) * 1000).toFixed(0)).join(' / '));
    cols.push(systems.map((s) => Math.max(...threadCounts.map((t) => rss(get(s, t)))).toFixed(0)).join(' / '));
    cols.push(systems.map((s) => `${((100 * flops * best(s)) / 1e9 / peak.get(bestT(s))!).toFixed(0)}%`).join(' / '));
    const l = loads.get(row.model + row.size)!;
    cols.push(`${Math.min(...l).toFixed(1)}–${Math.max(...l).toFixed(1)}`);
    lines.push(`| ${cols.join(' | ')} |`);
  }
  console.log(
    `batch ${BATCH}, Adam lr ${LEARNING_RATE}, loss: paper experiment 27; img/s from the median step (first step excluded), best of ${rounds} round(s); ` +
      `% of peak = forward+backward FLOPs per image x img/s over the best measured float32 rate at that thread count`,
  );
  console.log(lines.join('\n'));
  console.log(`\nfloat32 rate: ${peakNotes.join('; ')}`);
  for (const [s, k] of kernels) console.log(`kernels ${s}: ${k.join('; ')}`);
  console.log(`\nloss agreement (tolerance per step ${LOSS_TOLERANCE.join(', ')}): ${agree ? 'AGREE' : 'DISAGREE'}\n  ${agreement.join('\n  ')}`);
  if (!agree) process.exitCode = 1;
}

async function child(): Promise<void> {
  const [kind, ...args] = process.argv.slice(3);
  const result = kind === 'gemm' ? await ortGemm(Number(args[0])) : await ortCell(args[0]!, Number(args[1]), Number(args[2]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[2] === '--child') await child();
else await main();
