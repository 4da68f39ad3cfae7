// Bundles a page module with esbuild and opens it in headless Chromium (WebGPU and WebGL2 on
// SwiftShader, see @losskit/test-utils/browser), one page per backend. Used by fusion.test.ts and
// bench/gpu.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import { build } from 'esbuild';

type Browser = Awaited<ReturnType<typeof launchBrowser>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Serves the bundle of `entry` and opens it; `global` is the name the page publishes its API under. */
export async function openPage(entry: string, global: string): Promise<OpenPage> {
  const dir = mkdtempSync(join(tmpdir(), 'losskit-gpu-fusion-'));
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
  const server = await serveStatic({ '/': dir });
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction((name: string) => name in globalThis, global, { timeout: 60_000 });
    const opened = browser;
    return {
      page,
      problems,
      close: async () => {
        await opened.close();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
