import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, launchBrowser, serveStatic, watchPage } from './browser.js';

describe('the browser harness', { timeout: 120_000 }, () => {
  let dir: string;
  let server: StaticServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'losskit-harness-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><title>t</title><p>ok</p>');
    server = await serveStatic({ '/': dir });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files and refuses paths outside the root', async () => {
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<p>ok</p>');
    expect((await fetch(`${server.url}/index.html`)).headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await fetch(`${server.url}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
  });

  it('gives a page WebGPU and WebGL2 on the software GPU, cross-origin isolated', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const problems = watchPage(page);
      await page.goto(`${server.url}/`);
      const gpu = await page.evaluate(async () => {
        const nav = navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } };
        const adapter = nav.gpu ? await nav.gpu.requestAdapter() : null;
        const gl = document.createElement('canvas').getContext('webgl2');
        return { webgpu: adapter !== null, webgl2: gl !== null, isolated: crossOriginIsolated };
      });
      expect(gpu).toEqual({ webgpu: true, webgl2: true, isolated: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
