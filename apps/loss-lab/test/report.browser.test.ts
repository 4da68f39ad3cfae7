import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnalyses } from '../src/analyses/index.js';
import { SURFACE_SCRIPT } from '../src/analyses/equation-surfaces.js';
import { type WrittenFigure, writeReport } from '../src/report.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The page width the report must fit. */
const WIDTH = 1280;
/** Figures drawn as heatmaps or filled contours: one colour scale each, shared by their panels. */
const SHARED_SCALE_FIGURES = [
  'landscapes/landscapes',
  'contours/contours',
  'contours/pixel-contours',
  'equation-surfaces/equation-heatmaps',
  'gradient-descent/trajectories',
  'covariates/linear-sweep',
  'covariates/linear-sweep-gradient',
];
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
    // a real seg-bench run: 27 experiments x seeds 1, 250 x 3 epochs (the README says how it was made)
    const analyses = buildAnalyses({ resultsPath: join(import.meta.dirname, '__fixtures__', 'bench-27.jsonl') });
    figures = await writeReport(dir, analyses, { extraScript: SURFACE_SCRIPT });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: WIDTH, height: 1000 } });
    // record what each canvas writes, so the test can see the 3D axes' ticks and labels
    await page.addInitScript(() => {
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number) {
        const c = this.canvas as HTMLCanvasElement & { drawnTexts?: string[] };
        c.drawnTexts ??= [];
        c.drawnTexts.push(text);
        return fillText.call(this, text, x, y);
      };
    });
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
    expect(figures.length).toBeGreaterThanOrEqual(13);
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
    // per equation: the paper's update, then the core's two partials (and named parts, if long)
    const perBlock = await page.locator('.derivative').evaluateAll((blocks) =>
      blocks.map((b) => [b.querySelectorAll('.formula')[0]!.querySelectorAll('.katex').length, b.querySelectorAll('.formula .line .katex').length]),
    );
    expect(perBlock).toEqual(Array.from({ length: 9 }, () => [1, 2]));
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

  it('fits 1280 px: no horizontal overflow, derivative formulas and tables wrapped', async () => {
    const sizes = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      formulas: Array.from(document.querySelectorAll<HTMLElement>('.formula'), (e) => e.scrollWidth - e.clientWidth),
      tables: Array.from(document.querySelectorAll<HTMLElement>('.table'), (e) => e.scrollWidth - e.clientWidth),
    }));
    expect(sizes.page).toBeLessThanOrEqual(WIDTH);
    expect(sizes.formulas).toHaveLength(18);
    expect(sizes.formulas.filter((d) => d > 1), 'formulas that scroll instead of wrapping').toEqual([]);
    expect(sizes.tables.filter((d) => d > 1), 'tables wider than the page').toEqual([]);
  });

  it('draws at least 27 series, each with a (colour, dash) pair of its own', async () => {
    const svg = readFileSync(join(dir, 'seeds', 'epoch-curves.svg'), 'utf8');
    const panels = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      // the line marks of each panel (a facet cell is a role-scope group)
      const byPanel = new Map<Element, string[]>();
      for (const p of Array.from(doc.querySelectorAll('path[aria-roledescription="line mark"]'))) {
        const panel = p.closest('g.role-scope')!;
        byPanel.set(panel, [...(byPanel.get(panel) ?? []), `${p.getAttribute('stroke')} | ${p.getAttribute('stroke-dasharray') ?? 'solid'}`]);
      }
      return [...byPanel.values()];
    }, svg);
    expect(panels.length).toBeGreaterThanOrEqual(2); // loss and IoU
    for (const lines of panels) {
      expect(lines.length).toBeGreaterThanOrEqual(27);
      expect(new Set(lines).size, lines.join('\n')).toBe(lines.length);
    }
  });

  it('draws the 3D surfaces with axes, ticks and labels, on screen and in the static SVG', async () => {
    const drawn = await page.locator('canvas.surface').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement & { drawnTexts?: string[] }).drawnTexts ?? []));
    expect(drawn).toHaveLength(9);
    for (const texts of drawn) {
      for (const label of ['L1', 'L2', 'E(L1, L2)']) expect(texts).toContain(label);
      expect(texts.filter((t) => /^-?\d+(\.\d+)?$/.test(t)).length, texts.join(' ')).toBeGreaterThanOrEqual(9);
    }
    const svg = readFileSync(join(dir, 'equation-surfaces', 'surfaces-3d.svg'), 'utf8');
    const panels = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return Array.from(doc.querySelectorAll('g.surface-panel'), (g) =>
        ['x', 'y', 'z'].map((a) => [
          g.querySelectorAll(`line.${a}-axis`).length,
          g.querySelectorAll(`text.${a}-axis-title`).length,
          g.querySelectorAll(`text.${a}-axis-tick-label`).length,
        ]),
      );
    }, svg);
    expect(panels).toHaveLength(9);
    for (const axes of panels)
      for (const [line, title, ticks] of axes) {
        expect([line, title]).toEqual([1, 1]);
        expect(ticks).toBeGreaterThanOrEqual(3);
      }
    const png = readFileSync(join(dir, 'equation-surfaces', 'surfaces-3d.png'));
    const { ink, colours } = await inkOf(page, png);
    expect(ink).toBeGreaterThan(0.1);
    expect(colours).toBeGreaterThan(50);
  });

  it('gives the panels of one figure one colour scale (equal zmin and zmax)', async () => {
    for (const name of SHARED_SCALE_FIGURES) {
      const spec = JSON.parse(readFileSync(join(dir, `${name}.vg.json`), 'utf8')) as unknown;
      const colour: { domain?: unknown }[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          const n = node as { scales?: { name: string; domain?: unknown }[] };
          for (const sc of n.scales ?? []) if (/colou?r|fill/i.test(sc.name)) colour.push(sc);
          Object.values(node).forEach(walk);
        }
      };
      walk(spec);
      expect(colour, name).toHaveLength(1);
      const domain = colour[0]!.domain as number[];
      expect(domain, name).toHaveLength(2);
      expect(domain[0]!, name).toBeLessThan(domain[1]!);
      // and the picture: one gradient legend for all panels
      const svg = readFileSync(join(dir, `${name}.svg`), 'utf8');
      const gradients = await page.evaluate(
        (text) => new DOMParser().parseFromString(text, 'image/svg+xml').querySelectorAll('linearGradient').length,
        svg,
      );
      expect(gradients, name).toBe(1);
    }
    const ranges = await page.locator('canvas.surface').evaluateAll((cs) =>
      cs.map((c) => {
        const s = JSON.parse(c.getAttribute('data-surface')!) as { zmin: number; zmax: number };
        return [s.zmin, s.zmax];
      }),
    );
    expect(new Set(ranges.map((r) => r.join(','))).size).toBe(1);
  });
});
