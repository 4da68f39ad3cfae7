import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnalyses } from '../src/analyses/index.js';
import { SURFACE_SCRIPT } from '../src/analyses/equation-surfaces.js';
import { type WrittenFigure, writeReport } from '../src/report.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Share of pixels that differ from the corner pixel, and the number of distinct colours, of a
 * PNG screenshot: decoded by the browser itself from a data URL (no canvas taint).
 */
async function inkOf(page: Page, png: Buffer): Promise<{ ink: number; colours: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      const d = Math.abs(data[i]! - data[0]!) + Math.abs(data[i + 1]! - data[1]!) + Math.abs(data[i + 2]! - data[2]!);
      if (d > 30) ink++;
      if (colours.size < 1000) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    return { ink: ink / (data.length / 4), colours: colours.size };
  }, png.toString('base64'));
}

describe('the report in headless Chromium', { timeout: 60_000 }, () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let figures: WrittenFigure[];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install -y chromium) or CHROMIUM_PATH pointing at a Chromium binary`,
      );
    dir = mkdtempSync(join(tmpdir(), 'loss-lab-report-'));
    const analyses = buildAnalyses({ resultsPath: join(import.meta.dirname, '__fixtures__', 'results.jsonl') });
    figures = await writeReport(dir, analyses, { extraScript: SURFACE_SCRIPT });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    await page.goto(pathToFileURL(join(dir, 'index.html')).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads without console errors, page errors or failed requests', () => {
    expect(problems).toEqual([]);
  });

  it('shows every figure, each with visible content', async () => {
    const images = page.locator('figure.figure img');
    expect(await images.count()).toBe(figures.length);
    expect(figures.length).toBeGreaterThanOrEqual(9);
    for (let k = 0; k < figures.length; k++) {
      const img = images.nth(k);
      const src = await img.getAttribute('src');
      expect(await img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth > 100), `${src} decoded`).toBe(true);
      await img.scrollIntoViewIfNeeded();
      const { ink, colours } = await inkOf(page, await img.screenshot());
      expect(ink, `${src}: share of non-background pixels`).toBeGreaterThan(0.02);
      expect(colours, `${src}: distinct colours`).toBeGreaterThan(8);
    }
  });

  it('draws the nine interactive 3D surfaces and redraws them on drag', async () => {
    const canvases = page.locator('canvas.surface');
    expect(await canvases.count()).toBe(9);
    for (let k = 0; k < 9; k++) {
      const canvas = canvases.nth(k);
      await canvas.scrollIntoViewIfNeeded();
      const { ink } = await inkOf(page, await canvas.screenshot());
      expect(ink, `surface ${k + 1}`).toBeGreaterThan(0.1);
    }
    const first = canvases.first();
    const before = await first.screenshot();
    const box = (await first.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 20, { steps: 5 });
    await page.mouse.up();
    expect((await first.screenshot()).equals(before)).toBe(false);
  });

  it('typesets the derivative formulas with KaTeX and its own fonts', async () => {
    const typeset = await page.locator('.derivatives .katex').count();
    expect(typeset).toBe(18); // paper and core form for each of Eqs. (1)-(9)
    expect(await page.locator('.katex-error').count()).toBe(0);
    const katexFonts = await page.evaluate(() =>
      Array.from(document.fonts as unknown as Iterable<FontFace>).filter((f) => f.family.replace(/"/g, '').startsWith('KaTeX') && f.status === 'loaded').length,
    );
    expect(katexFonts).toBeGreaterThan(0);
    const flagged = await page.locator('.derivatives .flag').count();
    const agreeing = await page.locator('.derivatives .ok').count();
    expect(flagged + agreeing).toBe(9);
  });

  it('draws the seed analysis from the results file', async () => {
    expect(await page.locator('#seeds figure.figure img').count()).toBe(2); // bars and epoch curves
    expect(await page.locator('#no-results').count()).toBe(0);
  });
});
