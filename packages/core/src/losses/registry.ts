import { compat } from '../compat/index.js';
import type { Mode } from './prediction.js';
import { catalogue } from './catalogue.js';
import type { Loss, LossConfig } from './loss.js';
import { OptionError } from './options.js';

type Builder = (options?: object) => Loss;

/** smp presets take the mode first: their config carries it as `mode`. */
const withMode =
  (build: (mode: Mode, options?: object) => Loss): Builder =>
  (options) => {
    const { mode, ...rest } = (options ?? {}) as { mode?: Mode };
    if (mode === undefined) throw new OptionError('smp presets need a mode in their config');
    const loss = build(mode, rest);
    return { ...loss, config: { className: loss.config!.className, config: { mode, ...loss.config!.config } } };
  };

/** Keras's snake_case function names, as `keras.losses.get` takes them. */
const KERAS_NAMES: Record<string, keyof typeof compat.keras> = {
  mean_squared_error: 'MeanSquaredError',
  mse: 'MeanSquaredError',
  mean_absolute_error: 'MeanAbsoluteError',
  mae: 'MeanAbsoluteError',
  huber: 'Huber',
  log_cosh: 'LogCosh',
  binary_crossentropy: 'BinaryCrossentropy',
  binary_focal_crossentropy: 'BinaryFocalCrossentropy',
  categorical_crossentropy: 'CategoricalCrossentropy',
  categorical_focal_crossentropy: 'CategoricalFocalCrossentropy',
};

function table(): Record<string, Builder> {
  const out: Record<string, Builder> = {};
  for (const [name, build] of Object.entries(catalogue)) out[name] = build as Builder;
  for (const [name, build] of Object.entries(compat.keras)) out[`keras.${name}`] = build as Builder;
  for (const [alias, name] of Object.entries(KERAS_NAMES)) out[alias] = compat.keras[name] as Builder;
  for (const name of ['DiceLoss', 'JaccardLoss', 'TverskyLoss', 'FocalLoss', 'LovaszLoss'] as const) out[`smp.${name}`] = withMode(compat.smp[name] as never);
  for (const name of ['MCCLoss', 'SoftBCEWithLogitsLoss', 'SoftCrossEntropyLoss'] as const) out[`smp.${name}`] = compat.smp[name] as Builder;
  for (const [name, build] of Object.entries(compat.monai)) out[`monai.${name}`] = build as Builder;
  return out;
}

/**
 * Losses by name and config, as Keras's `keras.losses.get` / `serialize` / `deserialize`: catalogue
 * names ('dice'), presets ('keras.Dice', 'monai.DiceLoss', 'smp.DiceLoss' with `mode` in the options) and Keras's
 * snake_case names ('categorical_crossentropy' is `compat.keras.CategoricalCrossentropy`).
 *
 * @example
 * ```ts
 * import { losses } from '@losskit/core';
 * const dice = losses.get('dice', { smooth: 1 });
 * const again = losses.fromConfig(JSON.parse(JSON.stringify(losses.toConfig(dice))));
 * again.expr === dice.expr; // true: the same interned graph
 * ```
 */
export const losses = {
  /** Every name `get` accepts. */
  names(): string[] {
    return Object.keys(table()).sort();
  },
  /** The loss `name` built with `options`; a LossConfig is built as `fromConfig` does. */
  get(identifier: string | LossConfig, options?: object): Loss {
    if (typeof identifier !== 'string') return losses.fromConfig(identifier);
    const build = Object.hasOwn(table(), identifier) ? table()[identifier] : undefined;
    if (!build) throw new OptionError(`unknown loss '${identifier}'; known: ${losses.names().join(', ')}`);
    return build(options);
  },
  /** How the loss was built, as JSON data (a loss assembled by hand has none). */
  toConfig(loss: Loss): LossConfig {
    if (!loss.config)
      throw new OptionError(
        `loss '${loss.name}' carries no config: build it with the catalogue, a preset or losses.get (a preset given a function, such as MONAI's otherAct, has none)`,
      );
    return JSON.parse(JSON.stringify(loss.config)) as LossConfig;
  },
  /** The loss a config describes. */
  fromConfig(config: LossConfig): Loss {
    if (typeof config !== 'object' || config === null || typeof config.className !== 'string')
      throw new OptionError(`a loss config is { className, config }, got ${JSON.stringify(config)}`);
    return losses.get(config.className, config.config);
  },
} as const;
