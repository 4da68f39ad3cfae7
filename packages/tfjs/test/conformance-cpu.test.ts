import { conformanceSuite } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { tfjsBackend } from './tfjs-backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

conformanceSuite(tfjsBackend('tfjs cpu, NHWC, symbolic gradient (fused valueAndGrad)', { layout: 'NHWC', gradient: 'symbolic', path: 'valueAndGrad' }));
