import { describe, expect, it } from 'vitest';
import { add, input, mean, mul, param } from './builders.js';
import { InputError, evaluate, evaluateScalar } from './evaluate.js';
import { catalogue } from './losses/catalogue.js';
import { makeLoss, mergeInputs } from './losses/loss.js';
import { OptionError, validateOptions } from './losses/options.js';
import { validateInputs } from './losses/validate-inputs.js';
import { lookupName, nameRecord } from './names.js';
import { match, v } from './simplify.js';

/** Names that an ordinary object answers from Object.prototype. */
const PROTOTYPE_NAMES = ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', '__defineGetter__'];

const one = (x: number) => ({ shape: [1, 1, 1, 1], data: [x] });
/** A record with an own property per entry, `__proto__` included (as JSON.parse makes it). */
const own = <T>(entries: [string, T][]): Record<string, T> => Object.assign(nameRecord<T>(), Object.fromEntries(entries));

describe('prototype-safe name tables', () => {
  it('lookupName reads own properties only; nameRecord stores __proto__ as a key', () => {
    expect(lookupName({ a: 1 }, 'a')).toBe(1);
    for (const name of PROTOTYPE_NAMES) expect(lookupName({}, name), name).toBeUndefined();
    const r = nameRecord<number>();
    const key = '__proto__';
    r[key] = 3;
    expect(Object.keys(r)).toEqual(['__proto__']);
  });

  for (const name of PROTOTYPE_NAMES) {
    it(`evaluate binds params, inputs and state named '${name}' and reports them missing`, () => {
      const expr = mean(add(mul(param(name, { default: 2 }), input(name)), 1));
      expect(evaluateScalar(expr, { inputs: own([[name, one(3)]]) })).toBe(7);
      expect(evaluateScalar(expr, { inputs: own([[name, one(3)]]), params: own([[name, 5]]) })).toBe(16);
      // unbound: the default, never Object.prototype's member
      expect(() => evaluate(mean(param(name)), { params: {} })).toThrow(new InputError(`missing parameter '${name}': bind it in params or give it a default`));
      expect(() => evaluate(expr, { inputs: {} })).toThrow(InputError);
      expect(() => evaluate(expr, { inputs: {} })).toThrow(`missing input '${name}'`);
    });

    it(`makeLoss, mergeInputs and validateInputs keep an input named '${name}'`, () => {
      const spec = { roles: ['batch', 'class', 'spatial'] as const, domain: 'real' as const };
      const loss = makeLoss('own', mean(add(input(name), param(name, { default: 1 }))), own([[name, spec]]));
      expect(Object.keys(loss.inputs)).toEqual([name]);
      expect(Object.keys(loss.params)).toEqual([name]);
      expect(Object.keys(mergeInputs([loss, loss]))).toEqual([name]);
      expect(() => validateInputs(loss, {})).toThrow(new InputError(`own: missing input '${name}' (real)`));
      expect(() => makeLoss('own', mean(input(name)), {})).toThrow(`input '${name}' is used but not described`);
    });

    it(`catalogue options named '${name}' are unknown options`, () => {
      const options = own([[name, 1]]);
      expect(() => catalogue.focal(options as never)).toThrow(OptionError);
      expect(() => catalogue.focal(options as never)).toThrow(`focal: unknown option '${name}'`);
      expect(() => validateOptions('x', options, { a: { kind: 'number' } })).toThrow(`x: unknown option '${name}'; known options: a`);
    });

    it(`simplify's pattern variables may be named '${name}'`, () => {
      const bound = match(mul(v(name), 1), mul(input('y'), 1));
      expect(bound && lookupName(bound, name)).toBe(input('y'));
    });
  }
});
