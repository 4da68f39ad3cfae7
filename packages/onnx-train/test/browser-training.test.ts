// Trains a U-Net in headless Chromium on onnxruntime-web (wasm) and checks it against the same
// run in Node on onnxruntime-node. A missing Chromium fails the test (launchBrowser throws).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StaticServer, launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../src/index.js';
import { type BrowserRun, PARITY_STEPS, STEPS, TRAINER_OPTIONS, trainBatch } from './browser/training-case.js';

const here = dirname(fileURLToPath(import.meta.url));
const ortWebDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

/** The page as a browser would get it from a plain esbuild bundle: browser conditions, no node shims. Returns its inputs. */
async function bundlePage(dir: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [join(here, 'browser/train-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    outfile: join(dir, 'page.js'),
    logLevel: 'error',
    metafile: true,
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
  return Object.keys(metafile.inputs);
}

/** Largest |a - b| over a tensor, relative to the tensor's largest |b|. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

describe('training in the browser (onnxruntime-web)', { timeout: 180_000 }, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let bundled: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'losskit-train-page-'));
    bundled = await bundlePage(dir);
    server = await serveStatic({ '/': dir, '/ort/': ortWebDist });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('bundles for the browser without onnxruntime-node or Node built-ins', () => {
    expect(bundled.some((f) => f.includes('onnxruntime-web'))).toBe(true);
    expect(bundled.filter((f) => f.includes('onnxruntime-node') || f.startsWith('node:'))).toEqual([]);
  });

  it('trains a U-Net on the wasm EP: the loss falls, IoU rises, the first steps match onnxruntime-node', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => typeof window.train === 'function');
    const web: BrowserRun = await page.evaluate(() => window.train('wasm'));
    expect(problems).toEqual([]);
    expect([web.runtime, web.provider]).toEqual(['onnxruntime-web', 'wasm']);
    expect(web.losses).toHaveLength(STEPS);

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(web.losses.slice(-5))).toBeLessThan(0.7 * mean(web.losses.slice(0, 3)));
    expect(web.iouAfter).toBeGreaterThan(web.iouBefore + 0.2);

    const node = new Trainer({ ...TRAINER_OPTIONS, providers: ['cpu'], threads: 1 });
    try {
      for (let i = 0; i < PARITY_STEPS; i++) {
        const { loss } = await node.step(trainBatch(i));
        expect(Math.abs(web.losses[i]! - loss), `loss of step ${i + 1}: web ${web.losses[i]} node ${loss}`).toBeLessThan(1e-5 * (1 + Math.abs(loss)));
        const parameters = node.weights().parameters;
        expect(Object.keys(web.weights[i]!).sort()).toEqual([...parameters.keys()].sort());
        const worst = Math.max(...[...parameters].map(([name, w]) => relativeDifference(web.weights[i]![name]!, w)));
        console.log(`step ${i + 1}: loss web ${web.losses[i]} node ${loss}; worst relative weight difference ${worst.toExponential(2)}`);
        expect(worst, `weights after step ${i + 1}`).toBeLessThan(5e-5);
      }
    } finally {
      await node.release();
    }
    console.log(`wasm: ${STEPS} steps in ${(web.milliseconds / 1000).toFixed(1)} s, IoU ${web.iouBefore.toFixed(3)} -> ${web.iouAfter.toFixed(3)}`);
  });
});
