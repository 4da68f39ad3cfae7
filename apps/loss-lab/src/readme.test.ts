import { describe, expect, it } from 'vitest';

describe('README example', () => {
  it('runs as written', async () => {
    // --- README example start ---
    const { evaluateScalar, input } = await import('@losskit/core');
    const { LOSS_METHODS, surfaceUnderMethod } = await import('@losskit/loss-lab');

    // the EMA method (Eq. 5) applied to a residual z: L1 = |z|, L2 = z^2, A = 0.25, B = 0.5
    const z = input('z', []);
    const ema = LOSS_METHODS.find((m) => m.key === 'ema')!;
    const value = evaluateScalar(surfaceUnderMethod(ema, z), { inputs: { z: 0.5 } });
    // Step1 = A L1 - (1 - A) L1 - B L2 = -0.375;  A Step1 + (1 - A) L2 = 0.09375
    // --- README example end ---
    expect(value).toBeCloseTo(0.09375, 15);
  });
});
