// Loss sessions in headless Chromium on onnxruntime-web, on the wasm and the WebGPU EP (WebGPU
// on SwiftShader, Chromium's software GPU), checked against core's float64 evaluate and against
// the same session on onnxruntime-node. A missing Chromium fails the test (launchBrowser throws).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor as CoreTensor, evaluate, gradient, leaves } from '@losskit/core';
import { compareArrays, makeInputs } from '@losskit/test-utils';
import { type StaticServer, launchBrowser, serveStatic, watchPage } from '@losskit/test-utils/browser';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LossRun, createLossSession } from '../src/index.js';
import { type PlainTensor, RUNS, SESSION_CASES, SIZES, type SessionReport } from './browser/session-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const ortWebDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

/** Against core's float64 reference: float32 arithmetic on either EP. */
const REFERENCE_TOLERANCE = { rtol: 2e-3, atol: 2e-5 };
/** Against onnxruntime-node: wasm runs the same CPU kernels (compiled to wasm); WebGPU its own shaders in float32. */
const NODE_TOLERANCE = { wasm: { rtol: 1e-4, atol: 1e-6 }, webgpu: { rtol: 1e-3, atol: 1e-5 } };

interface Expected {
  inputs: Record<string, PlainTensor>[];
  reference: { value: number; gradient: Float64Array; nextState: Record<string, Float64Array> }[];
  node: LossRun[];
}

/** Inputs, core's float64 value / d/dpred / next state and the onnxruntime-node runs of every case. */
async function expectations(): Promise<Record<string, Expected>> {
  const out: Record<string, Expected> = {};
  for (const [name, build] of Object.entries(SESSION_CASES)) {
    const loss = build();
    const pred = leaves([loss.expr], 'input').get('pred')!;
    // unsimplified: the reference evaluator rejects an ema the simplifier may duplicate into the gradient
    const grad = gradient(loss.expr, pred, { simplify: false });
    const session = await createLossSession(loss, { providers: ['cpu'], intraOpThreads: 1 });
    const expected: Expected = { inputs: [], reference: [], node: [] };
    let state: Record<string, CoreTensor> | undefined;
    for (let i = 0; i < RUNS; i++) {
      const inputs = makeInputs(loss, SIZES, 40 + i);
      const reference = evaluate([loss.expr, grad], { inputs, params: loss.params, ...(state ? { state } : {}) });
      state = reference.nextState;
      expected.inputs.push(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { shape: t.shape, data: [...t.data] }])));
      expected.reference.push({
        value: reference.value.data[0]!,
        gradient: reference.values[1]!.data,
        nextState: Object.fromEntries(Object.entries(reference.nextState).map(([k, t]) => [k, t.data])),
      });
      expected.node.push(await session.run({ inputs }));
    }
    await session.release();
    out[name] = expected;
  }
  return out;
}

/** The page bundled as a browser would get it (plain esbuild, browser conditions). */
async function bundlePage(dir: string): Promise<void> {
  await build({
    entryPoints: [join(here, 'browser/session-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    outfile: join(dir, 'page.js'),
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="page.js"></script>');
}

/** Every mismatch of one provider's reports, one line each (empty: all agree). */
function mismatches(provider: 'wasm' | 'webgpu', reports: SessionReport[], expected: Record<string, Expected>): string[] {
  const problems: string[] = [];
  const check = (what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol: number; atol: number }) => {
    const problem = compareArrays(what, got, want, tol);
    if (problem !== undefined) problems.push(problem);
  };
  for (const report of reports) {
    if ('error' in report) {
      problems.push(`${report.name}: ${report.error}`);
      continue;
    }
    const want = expected[report.name]!;
    for (let i = 0; i < RUNS; i++) {
      const run = report.runs[i]!;
      const [reference, node] = [want.reference[i]!, want.node[i]!];
      const at = `${provider} ${report.name} run ${i + 1}`;
      check(`${at} value vs evaluate`, [run.value], [reference.value], REFERENCE_TOLERANCE);
      check(`${at} d/dpred vs evaluate`, run.gradients.pred ?? [], reference.gradient, REFERENCE_TOLERANCE);
      check(`${at} value vs onnxruntime-node`, [run.value], [node.value], NODE_TOLERANCE[provider]);
      check(`${at} d/dpred vs onnxruntime-node`, run.gradients.pred ?? [], node.gradients.pred!, NODE_TOLERANCE[provider]);
      if (Object.keys(run.nextState).sort().join() !== Object.keys(reference.nextState).sort().join())
        problems.push(`${at}: state slots ${Object.keys(run.nextState)} but evaluate has ${Object.keys(reference.nextState)}`);
      for (const [slot, value] of Object.entries(reference.nextState)) {
        check(`${at} next ${slot} vs evaluate`, run.nextState[slot] ?? [], value, REFERENCE_TOLERANCE);
        check(`${at} next ${slot} vs onnxruntime-node`, run.nextState[slot] ?? [], node.nextState[slot]!, NODE_TOLERANCE[provider]);
      }
    }
  }
  return problems;
}

describe('loss sessions in the browser (onnxruntime-web)', { timeout: 60_000 }, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let expected: Record<string, Expected>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'losskit-session-page-'));
    [expected] = await Promise.all([expectations(), bundlePage(dir)]);
    server = await serveStatic({ '/': dir, '/ort/': ortWebDist });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const provider of ['wasm', 'webgpu'] as const)
    it(`runs catalogue losses and paper experiments on the ${provider} EP like evaluate and onnxruntime-node`, async () => {
      const page = await browser.newPage();
      const problems = watchPage(page);
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => typeof window.runSessions === 'function');
      const inputs = Object.fromEntries(Object.entries(expected).map(([name, e]) => [name, e.inputs]));
      const reports = await page.evaluate(([p, i]) => window.runSessions(p, i), [provider, inputs] as const);
      await page.close();
      expect(reports.map((r) => r.name)).toEqual(Object.keys(SESSION_CASES));
      expect(mismatches(provider, reports, expected)).toEqual([]);
      for (const report of reports)
        if (!('error' in report)) expect([report.name, report.runtime, report.provider, report.providerLog]).toEqual([report.name, 'onnxruntime-web', provider, []]);
      expect(problems).toEqual([]);
    });
});
