// The onnxruntime-web side of the web benchmarks: bundles page.ts with plain esbuild, serves it
// (cross-origin isolated, so threaded wasm can run) with onnxruntime-web's wasm files and the
// models and feeds under /m/, and drives one Chromium page per wasm thread count. Also the
// interleaved measurement both web benchmarks use.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@losskit/core';
import { launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import { build } from 'esbuild';
import type { Tensor } from 'onnxruntime-common';
import type { Browser, Page } from 'playwright-core';
import type { FeedEntry, PageInfo } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
const ortWebDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Runs `reps` runs back to back, returns their wall-clock ms. */
export type Runner = (reps: number) => Promise<number>;

const random = seededRandom(15);
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Median ms per run of each runner. Warm-up first (at least 3 runs and 0.3 s each: ORT plans its
 * memory on the first runs, V8 and the wasm tiers compile the hot code); then rounds in a fresh
 * random order each, every sample a batch of runs long enough (>= 20 ms on the slowest runner) that
 * the page round trip is not what is measured; the same batch size on every side.
 */
export async function measure(runners: Record<string, Runner>, budgetMs: number, minRounds = 5): Promise<Record<string, number>> {
  let slowest = 0;
  for (const run of Object.values(runners)) {
    const t0 = performance.now();
    for (let runs = 0; runs < 3 || performance.now() - t0 < 300; runs++) await run(1);
    slowest = Math.max(slowest, (await run(1)) || 1e-3);
  }
  const reps = Math.max(1, Math.ceil(20 / slowest));
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  const start = performance.now();
  for (let round = 0; round < minRounds || (performance.now() - start < budgetMs && round < 200); round++)
    for (const [name, run] of shuffle(Object.entries(runners))) samples[name]!.push((await run(reps)) / reps);
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** onnxruntime-node's side of a row: the same session.run in a loop. */
export const nodeRunner =
  (session: { run(feeds: Record<string, Tensor>): Promise<unknown> }, feeds: Record<string, Tensor>): Runner =>
  async (reps) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await session.run(feeds);
    return performance.now() - t0;
  };

export interface WebModel {
  readonly time: Runner;
  outputs(): Promise<Record<string, number[]>>;
  release(): Promise<void>;
}

export class WebBench {
  private constructor(
    private readonly dir: string,
    private readonly browser: Browser,
    private readonly pages: ReadonlyMap<number, Page>,
    private readonly close: () => Promise<void>,
    /** Console errors and failed requests of the pages. */
    readonly problems: readonly string[],
  ) {}

  /** Bundles and serves the page; opens one page per wasm thread count. */
  static async start(threadCounts: readonly number[]): Promise<WebBench> {
    const dir = mkdtempSync(join(tmpdir(), 'losskit-web-bench-'));
    mkdirSync(join(dir, 'm'));
    await build({
      entryPoints: [join(here, 'page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['source'],
      outfile: join(dir, 'page.js'),
      logLevel: 'error',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
    const server = await serveStatic({ '/': dir, '/ort/': ortWebDist });
    const browser = await launchBrowser();
    const problems: string[] = [];
    const pages = new Map<number, Page>();
    for (const threads of threadCounts) {
      const page = await browser.newPage();
      problems.push(...watchPage(page));
      await page.goto(`${server.url}/?threads=${threads}`);
      await page.waitForFunction(() => typeof window.benchTime === 'function');
      pages.set(threads, page);
    }
    return new WebBench(dir, browser, pages, server.close, problems);
  }

  info(threads: number): Promise<PageInfo> {
    return this.pages.get(threads)!.evaluate(() => window.benchInfo());
  }

  /** Writes the model and its feeds (the very bytes the Node side runs) under /m/. */
  addModel(id: string, bytes: Uint8Array, feeds: Readonly<Record<string, Tensor>>): void {
    const entries: FeedEntry[] = [];
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, tensor] of Object.entries(feeds)) {
      if (tensor.type !== 'float32' && tensor.type !== 'int32') throw new Error(`feed '${name}': ${tensor.type} is not benchmarked`);
      const data = tensor.data as Float32Array | Int32Array;
      const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      entries.push({ name, type: tensor.type, dims: [...tensor.dims], byteOffset: offset, byteLength: chunk.byteLength });
      chunks.push(chunk);
      offset += chunk.byteLength;
    }
    writeFileSync(join(this.dir, `m/${id}.onnx`), bytes, { flag: 'w' });
    writeFileSync(join(this.dir, `m/${id}.json`), JSON.stringify(entries));
    writeFileSync(join(this.dir, `m/${id}.bin`), Buffer.concat(chunks));
  }

  /** Opens model `id` in the page of `threads` wasm threads on `provider`. */
  async open(threads: number, id: string, provider: 'wasm' | 'webgpu', options: { enableMemPattern?: boolean } = {}): Promise<WebModel> {
    const page = this.pages.get(threads)!;
    await page.evaluate(([i, p, o]) => window.benchLoad(i, p, o), [id, provider, options] as const);
    return {
      time: (reps) => page.evaluate(([i, r]) => window.benchTime(i, r), [id, reps] as const),
      outputs: () => page.evaluate((i) => window.benchOutputs(i), id),
      release: () => page.evaluate((i) => window.benchRelease(i), id),
    };
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
