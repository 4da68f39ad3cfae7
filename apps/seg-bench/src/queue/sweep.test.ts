import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../run/run-spec.js';
import { jobIdOf } from './sweep.js';

const spec = (experiment: string, seed = 1) =>
  ({ experiment, model: 'unet', seed, settings: { dataset: 'synthetic', backend: 'onnx' } }) as unknown as RunSpec;

describe('queue job ids', () => {
  it('are the run key (the row key without the epoch), with BullMQ\'s ":" separator escaped', () => {
    expect(jobIdOf(spec('27', 250))).toBe('27|unet|synthetic|onnx|250');
    expect(jobIdOf(spec('custom:1'))).toBe('custom%3A1|unet|synthetic|onnx|1');
    // reversible: a literal '%3A' cannot collide with an escaped ':'
    expect(jobIdOf(spec('custom%3A1'))).not.toBe(jobIdOf(spec('custom:1')));
    expect(decodeURIComponent(jobIdOf(spec('module:2')))).toBe('module:2|unet|synthetic|onnx|1');
  });
});
