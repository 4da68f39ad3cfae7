// Real Chromium for browser tests: Debian's chromium driven by playwright-core, and a static
// server on 127.0.0.1 for the pages it loads. A missing browser is an error, never a skip.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = ['--no-sandbox', '--headless=new', '--no-first-run', '--disable-background-networking', '--disable-sync'];

// WebGPU and WebGL2 on the software GPU (SwiftShader through ANGLE and Vulkan): a CPU emulation.
const GPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

export interface LaunchOptions {
  /** Give the page WebGPU and WebGL2 on the software GPU (default true). */
  gpu?: boolean;
}

/** Launches headless Chromium; throws, naming the fix, when it is not installed. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: browser tests need Debian's chromium (apt-get install -y chromium) or CHROMIUM_PATH pointing at a Chromium binary`,
    );
  const args = options.gpu === false ? [...BASE_ARGS, '--disable-gpu'] : [...BASE_ARGS, ...GPU_ARGS];
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/** Collects console errors, page errors and failed requests of a page, for `expect(...).toEqual([])`. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  return problems;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>` (a secure context, as WebGPU needs). */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves files under `roots` (URL path prefix -> folder) on a free loopback port. Responses are
 * cross-origin isolated (COOP/COEP), so pages may use SharedArrayBuffer (threaded wasm).
 */
export async function serveStatic(roots: Record<string, string>): Promise<StaticServer> {
  const mounts = Object.entries(roots)
    .map(([prefix, dir]) => [prefix.replace(/\/*$/, '/'), resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const mount = mounts.find(([prefix]) => path.startsWith(prefix) || `${path}/` === prefix);
    let file = mount ? normalize(join(mount[1], path.slice(mount[0].length))) : '';
    if (mount && file !== mount[1] && !file.startsWith(mount[1] + sep)) file = '';
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
