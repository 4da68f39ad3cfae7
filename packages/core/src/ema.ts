import { add, div, mul, pow, state, sub } from './builders.js';
import { type Node, rewrite, withArgs } from './ir/node.js';
import type { Roles } from './ir/roles.js';

/**
 * The two state slots behind one `ema` term: the biased moving sum and the step count.
 *
 * @example
 * ```ts
 * import { emaSlots } from '@losskit/core';
 * emaSlots('gap'); // { mean: 'gap.mean', steps: 'gap.steps' }
 * ```
 */
export function emaSlots(slot: string): { mean: string; steps: string } {
  return { mean: `${slot}.mean`, steps: `${slot}.steps` };
}

function emaParts(node: Node) {
  const [x, decay] = node.args as [Node, Node];
  const slots = emaSlots(node.attrs.slot!);
  const moving = state(slots.mean, x.roles);
  const steps = state(slots.steps, []);
  const nextSteps = add(steps, 1);
  // m' = d*m + (1-d)*x
  const nextMoving = add(mul(decay, moving), mul(sub(1, decay), x));
  // bias correction: 1 - d^t'
  const correction = sub(1, pow(decay, nextSteps));
  return { x, decay, slots, nextMoving, nextSteps, correction };
}

/** d ema / d x = (1-d) / (1 - d^(t+1)) */
export function emaInputScale(node: Node): Node {
  const { decay, correction } = emaParts(node);
  return div(sub(1, decay), correction);
}

/**
 * A state slot a lowered graph reads, and the expression of its value after this step.
 *
 * @example
 * ```ts
 * import { ema, input, lowerState, mean, type StateSlot } from '@losskit/core';
 * const slots: StateSlot[] = lowerState([ema(mean(input('x')), 0.9, 'm')]).slots;
 * ```
 */
export interface StateSlot {
  readonly name: string;
  readonly roles: Roles;
  /** The slot's value after this step. */
  readonly next: Node;
}

/**
 * Replaces each `ema` node by plain arithmetic over `state` leaves and returns the state
 * updates. Backends only ever see state leaves plus (name -> next value) pairs.
 *
 * @example
 * ```ts
 * import { ema, input, lowerState, mean } from '@losskit/core';
 * const { roots, slots } = lowerState([ema(mean(input('x')), 0.9, 'm')]);
 * slots.map((s) => s.name); // ['m.mean', 'm.steps']
 * ```
 */
export function lowerState(roots: readonly Node[]): { roots: Node[]; slots: StateSlot[] } {
  const slots = new Map<string, StateSlot>();
  const lowered = rewrite(roots, (node, args) => {
    if (node.op !== 'ema') return withArgs(node, args);
    const parts = emaParts(withArgs(node, args));
    if (slots.has(parts.slots.mean) && slots.get(parts.slots.mean)!.next !== parts.nextMoving)
      throw new Error(`ema slot '${node.attrs.slot}' is used by two different terms: give each its own slot`);
    slots.set(parts.slots.mean, { name: parts.slots.mean, roles: parts.x.roles, next: parts.nextMoving });
    slots.set(parts.slots.steps, { name: parts.slots.steps, roles: [], next: parts.nextSteps });
    return div(parts.nextMoving, parts.correction);
  });
  return { roots: lowered, slots: [...slots.values()] };
}
