import { conformanceSuite, fixedCaseSuite, numericEdgeCases, peerVectors } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { tfjsBackend } from './tfjs-backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

conformanceSuite(tfjsBackend('tfjs cpu, NHWC, symbolic gradient (valueAndGrad, fused kernels)', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' }));
// one tfjs kernel per op: the path of the backends fused kernels do not run on (webgl, webgpu, node)
conformanceSuite(
  tfjsBackend('tfjs cpu, NHWC, symbolic gradient (valueAndGrad, one kernel per op)', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad', fuse: false }),
);

const cpuFused = tfjsBackend('tfjs cpu, NHWC, fused kernels', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' });
const cpuPerOp = tfjsBackend('tfjs cpu, NHWC, one kernel per op', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad', fuse: false });
fixedCaseSuite(cpuFused, 'numeric edge cases', numericEdgeCases());
fixedCaseSuite(cpuPerOp, 'numeric edge cases', numericEdgeCases());
fixedCaseSuite(cpuFused, 'peer test vectors', peerVectors());
fixedCaseSuite(cpuPerOp, 'peer test vectors', peerVectors());
