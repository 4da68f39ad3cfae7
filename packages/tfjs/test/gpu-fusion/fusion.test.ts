// Fused WGSL (webgpu) and GLSL (webgl) kernels in headless Chromium on SwiftShader: the paper
// experiments of the benchmark and some catalogue losses, compiled with fusion and without, against
// the same loss on the tfjs cpu backend, with the shader launches of one call counted. One page per
// backend; small tensors (the software GPU compiles each shader in about a second).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenPage, openPage } from './harness.js';
import type { CompareSpec, Comparison, FusionPageApi } from './page.js';

const NAMES = ['exp 1', 'exp 7', 'exp 12', 'exp 22', 'exp 27', 'Dice+CE', 'dice', 'focal', 'tversky', 'l1'];
const SPECS: CompareSpec[] = [
  { names: NAMES, shape: [2, 8, 8, 3] },
  // class not innermost, integer one-hot targets
  { names: ['exp 7', 'Dice+CE', 'tversky'], shape: [2, 3, 5, 7], layout: 'NCHW', targetDtype: 'int32' },
  // odd sizes (several workgroups / chunks, a last partial one), bool targets
  { names: ['exp 22', 'Dice+CE'], shape: [3, 33, 31, 5], targetDtype: 'bool' },
  // inputs stored packed (as a model's output is on webgl), 6 classes, an odd width: the last
  // packed texel of a row has one pixel
  { names: ['exp 1', 'exp 7', 'Dice+CE'], shape: [2, 7, 5, 6], packedInputs: true },
  // one class: a packed texel holds one class of two pixels
  { names: ['l1', 'tversky'], shape: [3, 5, 7, 1] },
];
/** The losses whose gradient is the one output of a fused call's last kernel (webgl writes it packed). */
const PACKED_GRADIENT = new Set(['exp 1', 'exp 7', 'exp 12', 'exp 22', 'exp 27', 'Dice+CE']);

describe.each([
  ['webgpu', 'wgsl', false],
  ['webgl', 'glsl', true],
] as const)('fused kernels on %s', (backend, target, packs) => {
  let page: OpenPage;
  const results: (Comparison & { loss: string })[] = [];
  beforeAll(async () => {
    page = await openPage(new URL('./page.ts', import.meta.url).pathname, 'losskitFusion');
    const active = await page.page.evaluate((b) => (globalThis as unknown as { losskitFusion: FusionPageApi }).losskitFusion.useBackend(b), backend);
    // an unavailable backend is a failure, not a skip
    expect(active).toMatchObject({ ok: true, backend });
    for (const spec of SPECS)
      results.push(
        ...(await page.page.evaluate((s) => (globalThis as unknown as { losskitFusion: FusionPageApi }).losskitFusion.compare(s), spec)).map((r) => ({
          ...r,
          loss: r.name,
          name: `${r.name} ${spec.layout ?? 'NHWC'} [${spec.shape}] ${spec.targetDtype ?? 'float32'}${spec.packedInputs ? ' packed inputs' : ''}`,
        })),
      );
  }, 240_000);
  afterAll(async () => {
    await page?.close();
  });

  it(`runs every loss as ${target} fused kernels, agreeing with the cpu backend to float32 rounding`, () => {
    expect(results.length).toBe(SPECS.reduce((n, s) => n + s.names.length, 0));
    for (const r of results) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.path, `${r.name}: ${r.reason}`).toBe(target);
      expect(r.fused.value, `${r.name} value`).toBeLessThan(2e-6);
      expect(r.fused.grad, `${r.name} gradient`).toBeLessThan(2e-6);
    }
  });

  it('launches at most 6 shader programs per value-and-gradient call, far fewer than one kernel per op', () => {
    for (const r of results) {
      expect(r.fusedLaunches, r.name).toBeGreaterThan(0);
      expect(r.fusedLaunches, r.name).toBeLessThanOrEqual(6);
      expect(r.fusedLaunches, r.name).toBeLessThan(r.perOpLaunches);
    }
  });

  it(`${packs ? 'writes' : 'does not write'} the gradient as a packed texture (webgl: 4 values a texel)`, () => {
    const checked = results.filter((r) => PACKED_GRADIENT.has(r.loss));
    expect(checked.length).toBeGreaterThan(0);
    for (const r of checked) expect(r.gradPacked, r.name).toBe(packs);
  });

  it('leaves no tensors behind and the page no errors', () => {
    for (const r of results) expect(r.leaked, r.name).toBe(0);
    expect(page.problems).toEqual([]);
  });
});
