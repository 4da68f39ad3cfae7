import { checkEmaDecay } from './builders.js';
import { type Node, topoSort } from './ir/node.js';
import { InputError } from './input-checks.js';
import { lookupName } from './names.js';

/** Throws when a value bound to a param at call time is out of the range its use allows. */
export type ParamCheck = (value: number) => void;

/**
 * The range checks a param's value needs because of where the graph uses it. Defaults and constants
 * are checked when the graph is built; a value bound at call time (evaluate's `params`, tfjs's
 * `setParams`, an ONNX session's `params`) is checked with these, so every backend refuses the same
 * values with the same error. One rule today: a param used as an ema decay must be in [0, 1).
 *
 * @example
 * ```ts
 * import { checkParamValues, ema, input, mean, param, paramChecks } from '@losskit/core';
 * const checks = paramChecks([ema(mean(input('x', ['batch'])), param('d', { default: 0.9 }), 'x')]);
 * checkParamValues(checks, { d: 0.5 }); // fine
 * checkParamValues(checks, { d: 1 }); // throws InputError
 * ```
 */
export function paramChecks(roots: readonly Node[]): ReadonlyMap<string, ParamCheck> {
  const checks = new Map<string, ParamCheck[]>();
  for (const node of topoSort(roots)) {
    const decay = node.args[1];
    if (node.op !== 'ema' || decay?.op !== 'param') continue;
    const name = decay.attrs.name!;
    const slot = node.attrs.slot!;
    const list = checks.get(name) ?? [];
    list.push((value) => checkEmaDecay(slot, value, `param '${name}'`));
    checks.set(name, list);
  }
  const all = (list: ParamCheck[]) => (value: number) => {
    for (const check of list) check(value);
  };
  return new Map([...checks].map(([name, list]) => [name, all(list)]));
}

/** Runs `checks` on the params given (unknown or unbound ones are someone else's error); throws InputError. */
export function checkParamValues(checks: ReadonlyMap<string, ParamCheck>, params: Readonly<Record<string, number>> | undefined): void {
  if (params === undefined) return;
  for (const [name, check] of checks) {
    const value = lookupName(params, name);
    if (typeof value !== 'number') continue;
    try {
      check(value);
    } catch (error) {
      throw new InputError((error as Error).message);
    }
  }
}
