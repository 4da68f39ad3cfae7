import { type Node, type RoleSizes, type Tensor, type TensorValue, evaluate, leaves, lowerState } from '@losskit/core';
import { referenceGradients } from './conformance.js';
import type { BackendUnderTest, InputData } from './types.js';

/** The size of each role, read from the shapes of the inputs that span it (1 where none does). */
export function roleSizes(expr: Node, inputs: Readonly<Record<string, InputData>>): RoleSizes {
  const sizes: RoleSizes = { batch: 1, class: 1, spatial: 1 };
  for (const [name, node] of leaves([expr], 'input')) {
    const shape = inputs[name]?.shape;
    if (!shape) continue;
    let k = 0;
    for (const role of node.roles) {
      if (role === 'spatial') sizes.spatial = shape.slice(k).reduce((a, b) => a * b, 1);
      else sizes[role] = shape[k++]!;
    }
  }
  return sizes;
}

/** Flat state arrays (as the suite carries them) as core values, shaped by each slot's roles. */
export function stateValues(
  expr: Node,
  sizes: RoleSizes,
  state: Readonly<Record<string, Float64Array>> | undefined,
): Record<string, TensorValue> {
  const out: Record<string, TensorValue> = {};
  if (!state) return out;
  for (const slot of lowerState([expr]).slots) {
    const data = state[slot.name];
    if (data) out[slot.name] = { shape: slot.roles.map((r) => sizes[r]), data };
  }
  return out;
}

/**
 * The core evaluator dressed as a backend, its outputs rounded to float32. The suite's own tests
 * run it to show that a correct backend passes, and wrap it to show that a wrong one fails.
 */
export const referenceBackend: BackendUnderTest = {
  name: 'core reference (float32-rounded)',
  async run(expr, env, wrt) {
    const inputNodes = leaves([expr], 'input');
    const grads = referenceGradients(expr, wrt.map((name) => inputNodes.get(name)!));
    const state = stateValues(expr, roleSizes(expr, env.inputs), env.state);
    const result = evaluate([expr, ...grads], { inputs: env.inputs, params: env.params, state });
    const f32 = (t: Tensor) => Float64Array.from(Float32Array.from(t.data));
    return {
      value: f32(result.value),
      gradients: Object.fromEntries(wrt.map((name, i) => [name, f32(result.values[i + 1]!)])),
      nextState: Object.fromEntries(Object.entries(result.nextState).map(([k, t]) => [k, f32(t)])),
    };
  },
};
