import { conformanceSuite, fixedCaseSuite, numericEdgeCases, peerVectors } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, expect, it } from 'vitest';
import { tfjsBackend } from './tfjs-backend.js';

// In Node the wasm backend finds its .wasm files next to its own module: SIMD on, threads off.
beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

it('runs on the wasm backend with SIMD and without threads', () => {
  expect(tf.getBackend()).toBe('wasm');
  expect(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')).toBe(true);
  expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
});

conformanceSuite(tfjsBackend('tfjs wasm, NHWC, symbolic gradient (valueAndGrad, fused kernels)', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' }));
conformanceSuite(tfjsBackend('tfjs wasm, NCHW, symbolic gradient (valueAndGrad, fused kernels)', { layout: 'NCHW', gradient: 'symbolic', path: 'valueAndGrad' }));

const wasmFused = tfjsBackend('tfjs wasm, NHWC, fused kernels', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' });
fixedCaseSuite(wasmFused, 'numeric edge cases', numericEdgeCases());
fixedCaseSuite(wasmFused, 'peer test vectors', peerVectors());
