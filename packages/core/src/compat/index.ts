import { keras } from './keras.js';
import { monai } from './monai.js';
import { smp } from './smp.js';

export type { KerasCrossentropyOptions, KerasFocalOptions, KerasOptions, KerasOverlapOptions } from './keras.js';
export type {
  MonaiDiceCEOptions,
  MonaiDiceFocalOptions,
  MonaiDiceOptions,
  MonaiFocalOptions,
  MonaiGeneralizedDiceOptions,
  MonaiOptions,
  MonaiRegionOptions,
  MonaiTverskyOptions,
} from './monai.js';
export type { SmpFocalOptions, SmpRegionOptions, SmpTverskyOptions } from './smp.js';

/**
 * Presets with the peers' own names, options and conventions, built over the same IR as the
 * catalogue (so every one runs on every backend with exact gradients).
 *
 * @example
 * ```ts
 * import { compat } from '@losskit/core';
 * const smpDice = compat.smp.DiceLoss('multiclass', { numClasses: 3 });
 * const cce = compat.keras.CategoricalCrossentropy();
 * const monaiDice = compat.monai.DiceLoss({ softmax: true, toOnehotY: true, numClasses: 3 });
 * ```
 */
export const compat = { keras, monai, smp } as const;
