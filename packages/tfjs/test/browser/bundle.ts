// Bundles page.ts (tfjs + webgl + webgpu backends, @losskit/tfjs from source, the shared
// conformance cases) into one script for the browser suites, with esbuild.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The conformance module registers vitest suites through `conformanceSuite`, which the page never
 * calls; it only uses `checkCase` / `conformanceCases`, which return data. In the bundle vitest is
 * a module whose test functions throw, so a stray use fails loudly instead of pulling vitest in.
 */
const NO_VITEST = `const refuse = (what) => () => { throw new Error(what + ' is not available in the browser page'); };
export const describe = refuse('describe'), it = refuse('it'), expect = refuse('expect');`;

export interface Bundle {
  dir: string;
  /** Milliseconds esbuild took. */
  ms: number;
  dispose(): void;
}

/** Writes index.html and page.js into a fresh temporary folder. */
export async function bundlePage(): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'losskit-tfjs-browser-'));
  const start = performance.now();
  await build({
    entryPoints: [join(here, 'page.ts')],
    outfile: join(dir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    sourcemap: 'inline',
    logLevel: 'error',
    plugins: [
      {
        name: 'no-vitest',
        setup(b) {
          b.onResolve({ filter: /^vitest$/ }, () => ({ path: 'vitest', namespace: 'no-vitest' }));
          b.onLoad({ filter: /.*/, namespace: 'no-vitest' }, () => ({ contents: NO_VITEST, loader: 'js' }));
        },
      },
    ],
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>losskit tfjs</title><script type="module" src="page.js"></script>',
  );
  return { dir, ms: performance.now() - start, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
