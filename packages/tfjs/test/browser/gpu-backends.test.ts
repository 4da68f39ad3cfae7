// @losskit/tfjs on the GPU backends of tfjs in real headless Chromium (WebGPU and WebGL2 on the
// software GPU, SwiftShader). One page per backend: shader programs compiled for one case are
// reused by the next. The page returns data; every case becomes a named assertion here.
import { conformanceCases } from '@losskit/test-utils';
import { type StaticServer, launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundle, bundlePage } from './bundle.js';
import type { CaseResult, PageApi } from './page.js';
import type { TrainingRun, TrainingSpec } from './training.js';

type Browser = Awaited<ReturnType<typeof launchBrowser>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const BACKENDS = ['webgl', 'webgpu'] as const;
const CASES = conformanceCases().map((c) => c.name);
const SUITE_TIMEOUT = 240_000;

let bundle: Bundle;
let server: StaticServer;
let browser: Browser;
const started = performance.now();

beforeAll(async () => {
  bundle = await bundlePage();
  server = await serveStatic({ '/': bundle.dir });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  bundle?.dispose();
  console.log(`gpu backends suite: ${((performance.now() - started) / 1000).toFixed(1)} s in all (bundle ${bundle ? (bundle.ms / 1000).toFixed(1) : '-'} s)`);
});

/** Calls a method of the page's `window.losskit`. */
const call = <K extends keyof PageApi>(page: Page, method: K, ...args: Parameters<PageApi[K]>) =>
  page.evaluate(([m, a]: readonly [string, readonly unknown[]]) => (globalThis as unknown as { losskit: Record<string, (...x: unknown[]) => unknown> }).losskit[m]!(...a), [
    method,
    args,
  ] as const) as Promise<Awaited<ReturnType<PageApi[K]>>>;

describe('selectBackend in Chromium', () => {
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    page = await browser.newPage();
    problems = watchPage(page);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => 'losskit' in globalThis, undefined, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await page?.close();
  });

  it('training: true, no preference: passes over the node backends (they need Node.js) and picks webgpu, where a loss runs WGSL', async () => {
    const { selection, path, error } = await call(page, 'select', null, { training: true });
    expect(error).toBeUndefined();
    expect(selection?.skipped).toEqual([
      { candidate: 'node-gpu', reason: expect.stringMatching(/^@tensorflow\/tfjs-node-gpu binds TensorFlow's native library: it needs Node\.js \(this is a browser\)/) },
      { candidate: 'node', reason: expect.stringMatching(/^@tensorflow\/tfjs-node binds TensorFlow's native library: it needs Node\.js/) },
    ]);
    expect(selection).toMatchObject({ chosen: 'webgpu', backend: 'webgpu', gets: { fused: 'wgsl', finiteCheck: 'deferred' }, missingTrainingKernels: [] });
    expect(selection?.reason).toMatch(/^webgpu: the first of DEFAULT_ORDER .*; it has all 13 kernels asked for \(TRAINING_KERNELS\)$/);
    expect(path).toBe('wgsl');
  }, 60_000);

  it("training: true, 'webgl' without fallback: picks webgl, where a loss runs GLSL", async () => {
    const { selection, path, error } = await call(page, 'select', 'webgl', { training: true, fallback: false });
    expect(error).toBeUndefined();
    expect(selection).toMatchObject({ chosen: 'webgl', backend: 'webgl', gets: { fused: 'glsl', finiteCheck: 'deferred' }, missingTrainingKernels: [], skipped: [] });
    expect(selection?.reason).toMatch(/^webgl: your first preference; .*it has all 13 kernels asked for \(TRAINING_KERNELS\)$/);
    expect(path).toBe('glsl');
  }, 60_000);

  it('a package the page does not have (wasm here) is skipped with the import error, then the next that fits', async () => {
    const { selection, error } = await call(page, 'select', ['wasm', 'webgl'], { training: true });
    expect(error).toBeUndefined();
    expect(selection?.chosen).toBe('webgl');
    expect(selection?.skipped).toEqual([{ candidate: 'wasm', reason: expect.stringMatching(/^@tensorflow\/tfjs-backend-wasm is not installed or failed to load \(.+\)$/) }]);
  }, 60_000);

  it('logged no errors', () => {
    expect(problems).toEqual([]);
  });
});

for (const backend of BACKENDS) {
  describe(`in Chromium on ${backend}`, () => {
    let page: Page;
    let problems: string[] = [];
    const warnings: string[] = [];

    beforeAll(async () => {
      page = await browser.newPage();
      problems = watchPage(page);
      // WebGPU reports invalid shaders and pipelines as console warnings: every warning counts
      page.on('console', (m: { type(): string; text(): string }) => {
        if (m.type() === 'warning') warnings.push(`console warning: ${m.text().split('\n')[0]}`);
      });
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => 'losskit' in globalThis, undefined, { timeout: 60_000 });
      // an unavailable backend is a failure of everything below, not a skip
      const active = await call(page, 'useBackend', backend);
      expect(active, `the ${backend} backend must initialize in Chromium`).toEqual({ ok: true, backend });
    }, 120_000);

    afterAll(async () => {
      await page?.close();
    });

    for (const fuse of [false, true]) {
      describe(`conformance, ${fuse ? 'fused kernels (default)' : 'one kernel per op (fuse: false)'}`, () => {
        const results = new Map<string, CaseResult>();
        beforeAll(async () => {
          const t0 = performance.now();
          for (const r of await call(page, 'conformance', { fuse })) results.set(r.name, r);
          const slowest = [...results.values()].sort((a, b) => b.ms - a.ms).slice(0, 3);
          console.log(
            `${backend} fuse=${fuse}: ${results.size} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s; slowest ${slowest.map((r) => `${r.name} ${r.ms.toFixed(0)} ms`).join(', ')}`,
          );
        }, SUITE_TIMEOUT);

        it('ran every case of the shared suite', () => {
          expect([...results.keys()]).toEqual(CASES);
        });
        for (const name of CASES)
          it(name, () => {
            expect(results.get(name)?.failures ?? ['not run']).toEqual([]);
          });
      });
    }

    describe('default options', () => {
      it('reads nothing synchronously from the device (value, valueAndGrad, layers loss, model.fit)', async () => {
        const { readSyncs } = await call(page, 'syncReads');
        expect(readSyncs).toEqual({ value: 0, valueAndGrad: 0, layersLoss: 0, fit: 0 });
      }, 60_000);

      it('reports a NaN input as an InputError from loss.sync() and from the next call', async () => {
        const report = await call(page, 'finiteCheck');
        expect(report.badCallReturned).toBe(true);
        expect(report.syncThrew?.isInputError).toBe(true);
        expect(report.syncThrew?.name).toBe('InputError');
        expect(report.syncThrew?.message).toMatch(/target 'target' has a non-finite value \(NaN\) at flat index 2 of shape \[1,4,4,1\]/);
        expect(report.nextCallThrew?.isInputError).toBe(true);
        expect(report.nextCallThrew?.message).toMatch(/non-finite value \(NaN\) at flat index 2/);
        expect(report.recovered).toBe(true);
        expect(report.leaked).toBe(0);
      }, 60_000);

      it('gives the same value and gradient for float32, int32 and bool targets', async () => {
        const r = await call(page, 'targetDtypes');
        expect(Number.isFinite(r.float32.value)).toBe(true);
        expect(r.int32).toEqual(r.float32);
        expect(r.bool).toEqual(r.float32);
      }, 60_000);
    });

    describe('model.fit: a small conv net with a compiled hybrid loss', () => {
      const specs: TrainingSpec[] = [
        { labels: 'onehot', dtype: 'float32', fuse: true, epochs: 8 },
        { labels: 'onehot', dtype: 'int32', fuse: true, epochs: 8 },
        { labels: 'sparse', dtype: 'int32', fuse: true, epochs: 8 },
        { labels: 'sparse', dtype: 'float32', fuse: false, epochs: 8 },
      ];
      for (const spec of specs)
        it(`${spec.labels} ${spec.dtype} labels, ${spec.fuse ? 'fused' : 'fuse: false'}: the loss falls, tensors stay flat, nothing leaks`, async () => {
          const run: TrainingRun = await call(page, 'train', spec);
          console.log(`${backend} fit ${spec.labels} ${spec.dtype} fuse=${spec.fuse}: loss ${run.losses[0]?.toFixed(4)} -> ${run.losses.at(-1)?.toFixed(4)} (last/first ${((run.losses.at(-1) ?? 0) / (run.losses[0] ?? 1)).toFixed(4)})`);
          expect(run.backend).toBe(backend);
          expect(run.losses.every(Number.isFinite)).toBe(true);
          // deterministic: seeded weights and data, one full batch, no shuffle (seeded, on cpu in Node: last/first 0.771-0.778)
          expect(run.losses.at(-1)!, `losses per epoch: ${run.losses.map((l) => l.toFixed(4))}`).toBeLessThan(run.losses[0]! * 0.9);
          expect(new Set(run.tensors.slice(1)).size, `tensor counts per epoch: ${run.tensors}`).toBe(1);
          expect(run.leaked).toBe(0);
          expect(run.lossName).toBe(spec.labels === 'sparse' ? 'sparseCeDice' : 'paper.experiment22');
        }, 120_000);
    });

    it('logged no errors or warnings (WebGPU reports invalid shaders as warnings)', () => {
      expect([...problems, ...warnings]).toEqual([]);
    });
  });
}
