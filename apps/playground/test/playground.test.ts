// Builds the playground with vite and opens the built folder in headless Chromium: the formula
// renders, a bad formula shows the parser's message, training lowers the loss, the canvases are
// drawn. A missing Chromium fails the test (launchBrowser throws).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StaticServer, launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Pixels of a canvas: how many differ from its first pixel, and how many distinct colours. */
const canvasStats = (page: Page, selector: string, region?: readonly [number, number, number, number]) =>
  page.$eval(
    selector,
    (canvas, r) => {
      const c = canvas as HTMLCanvasElement;
      const [x, y, w, h] = r ?? [0, 0, c.width, c.height];
      const data = c.getContext('2d')!.getImageData(x, y, w, h).data;
      const colours = new Set<number>();
      let differing = 0;
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
        colours.add(rgb);
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++;
      }
      return { differing, colours: colours.size, pixels: data.length / 4 };
    },
    region,
  );

describe('the playground, built and opened in Chromium', { timeout: 240_000 }, () => {
  let outDir: string;
  let server: StaticServer;
  let browser: Browser;
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'losskit-playground-'));
    await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await serveStatic({ '/': outDir });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('renders formulas, reports bad ones, trains with the typed loss and draws curves and masks, offline', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    // offline: anything not from the built folder's server is refused and reported
    const external: string[] = [];
    await page.route(
      (url) => !url.href.startsWith(server.url),
      (route) => {
        external.push(route.request().url());
        return route.abort();
      },
    );
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-state="ready"]');

    // the default formula and its two partial derivatives, in KaTeX
    expect(await page.locator('#latex .katex').count()).toBe(1);
    expect(await page.locator('#derivatives .row .katex').count()).toBe(4);
    expect(await page.locator('#params input').count()).toBe(1);

    // a bad formula: the parser's message, training disabled
    await page.fill('#formula', 'A*CE + (1-A)*Dice)');
    expect(await page.isVisible('#problem')).toBe(true);
    expect(await page.textContent('#problem')).toContain('syntax error');
    expect(await page.isDisabled('#train')).toBe(true);
    await page.fill('#formula', 'CE + foo(Dice)');
    expect(await page.textContent('#problem')).toContain("unknown function 'foo'");

    // a hybrid with a parameter trains
    await page.fill('#formula', 'A*CE + (1-A)*Dice*exp(Dice)');
    expect(await page.isVisible('#problem')).toBe(false);
    expect(await page.locator('#derivatives .row').count()).toBe(2);
    await page.fill('#steps', '25');
    await page.click('#train');
    await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 180_000 });
    const status = await page.textContent('#status');
    expect(await page.getAttribute('body', 'data-state'), String(status)).toBe('done');
    expect(status).toContain('onnxruntime-web wasm');

    const losses = JSON.parse((await page.getAttribute('#loss-chart', 'data-losses'))!) as number[];
    const heldOut = JSON.parse((await page.getAttribute('#iou-chart', 'data-held-out'))!) as number[];
    expect(losses).toHaveLength(25);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 3)));
    expect(heldOut[heldOut.length - 1]!).toBeGreaterThan(heldOut[0]! + 0.1);

    // the curves are drawn (more than axes and labels), and the predicted masks hold several classes
    for (const chart of ['#loss-chart', '#iou-chart']) expect((await canvasStats(page, chart)).differing).toBeGreaterThan(1500);
    const cell = 96;
    const predicted = await canvasStats(page, '#masks', [2 * cell, 0, cell - 2, 4 * cell - 2]);
    expect(predicted.colours).toBeGreaterThanOrEqual(3);
    expect(predicted.differing).toBeGreaterThan(0.05 * predicted.pixels);

    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    console.log(`playground: 25 steps, loss ${losses[0]!.toFixed(3)} -> ${losses[24]!.toFixed(3)}, held-out mIoU ${heldOut[0]!.toFixed(3)} -> ${heldOut[heldOut.length - 1]!.toFixed(3)}`);
  });
});
