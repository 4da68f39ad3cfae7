import { keras } from './keras.js';
import { smp } from './smp.js';

export type { KerasCrossentropyOptions, KerasFocalOptions, KerasOptions, KerasOverlapOptions } from './keras.js';
export type { SmpFocalOptions, SmpRegionOptions, SmpTverskyOptions } from './smp.js';

/**
 * Presets with the peers' own names, options and conventions, built over the same IR as the
 * catalogue (so every one runs on every backend with exact gradients).
 *
 * @example
 * ```ts
 * import { compat } from '@losskit/core';
 * const dice = compat.smp.DiceLoss('multiclass', { numClasses: 3 });
 * const cce = compat.keras.CategoricalCrossentropy();
 * ```
 */
export const compat = { keras, smp } as const;
