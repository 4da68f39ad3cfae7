import { conformanceSuite } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { tfjsBackend } from './tfjs-backend.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

// The other ways in: NCHW layout through tfjs's own differentiation of the customGrad-wrapped loss,
// and tfjs autodiff of the lowered graph (gradient: 'autodiff').
conformanceSuite(tfjsBackend('tfjs cpu, NCHW, symbolic gradient via tf.customGrad', { layout: 'NCHW', gradient: 'symbolic', path: 'customGrad' }));
conformanceSuite(tfjsBackend('tfjs cpu, NHWC, tfjs autodiff', { layout: 'NHWC', gradient: 'autodiff', path: 'valueAndGrad' }));
