/**
 * Value + gradient of compiled losses vs the same losses written by hand (tf ops +
 * tf.valueAndGrad) on the tfjs webgl and webgpu backends, in headless Chromium (one page per
 * backend, rounds interleaved in the page), with the shader programs one call launches. Here the GPU
 * is SwiftShader, a CPU emulation: the ratios and launch counts carry over, absolute times do not.
 *
 *   pnpm --filter @losskit/tfjs bench:gpu      (or: npx tsx --conditions=source bench/gpu.ts)
 *   BENCH_ROUNDS=n ... : at least n interleaved rounds (default 3; each stops adding rounds after BENCH_BUDGET_MS)
 *   BENCH_SIZES=16,20 ... : the sizes (log2 elements);  BENCH_QUICK=1 ... : 2^16 only;  BENCH_BACKENDS=webgpu ... : only these backends (default webgl,webgpu)
 */
import { loadavg } from 'node:os';
import { openPage } from '../test/gpu-fusion/harness.js';
import type { GpuBenchApi, GpuRow } from './gpu-page.js';
import { LOSSES } from './losses.js';

const quick = process.env.BENCH_QUICK === '1';
const shapes = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map((e) => (Number(e) === 16 ? [4, 64, 64, 4] : [4, 256, 256, 4])) : quick ? [[4, 64, 64, 4]] : [[4, 64, 64, 4], [4, 256, 256, 4]];
const budgetMs = Number(process.env.BENCH_BUDGET_MS ?? 4000);
const minRounds = Number(process.env.BENCH_ROUNDS ?? 3);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const rows: GpuRow[] = [];
console.error(`load average before: ${load()}`);
for (const backend of (process.env.BENCH_BACKENDS ?? 'webgl,webgpu').split(',')) {
  const page = await openPage(new URL('./gpu-page.ts', import.meta.url).pathname, 'losskitBench');
  try {
    const active = await page.page.evaluate((b) => (globalThis as unknown as { losskitBench: GpuBenchApi }).losskitBench.useBackend(b), backend);
    if (!active.ok || active.backend !== backend) throw new Error(`backend ${backend} is not available: ${JSON.stringify(active)}`);
    for (const shape of shapes)
      for (const name of (process.env.BENCH_LOSSES?.split(',') ?? Object.keys(LOSSES))) {
        const row = await page.page.evaluate(
          ([n, s, b, r]) => (globalThis as unknown as { losskitBench: GpuBenchApi }).losskitBench.measure(n, s, b, r),
          [name, shape, budgetMs, minRounds] as [string, number[], number, number],
        );
        rows.push(row);
        console.error(`${backend} ${name} 2^${Math.log2(row.elements)}: ${(row.hand / row.compiled).toFixed(2)}x, launches ${row.compiledLaunches} vs ${row.handLaunches} (load ${load()})`);
      }
    if (page.problems.length > 0) throw new Error(`page problems: ${page.problems.join('; ')}`);
  } finally {
    await page.close();
  }
}
console.log(`load average after: ${load()}`);
console.log('| backend | loss | elements | hand-written (ms/call) | compiled (ms/call) | speed-up | launches hand | launches compiled | path | rounds |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.backend} | ${r.loss} | 2^${Math.log2(r.elements)} | ${r.hand.toFixed(1)} | ${r.compiled.toFixed(1)} | ${(r.hand / r.compiled).toFixed(2)}x | ${r.handLaunches} | ${r.compiledLaunches} | ${r.path} | ${r.rounds} |`,
  );
