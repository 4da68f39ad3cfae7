import { GRADIENT_RULES, type GradientRule } from './gradient-rules.js';
import type { Tape } from './tape.js';

/**
 * Reverse-mode pass over the tape: starting from the given seeds (value -> its gradient),
 * applies each node's rule from the table in reverse order and sums gradients that meet.
 * Returns the gradient of every `wrt` value (a zero tensor where it does not reach a seed).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from '@losskit/onnx';
 * import { Tape, backward } from '@losskit/onnx-train';
 * const tape = new Tape(new GraphBuilder('g'));
 * const x = tape.input('x', [3]);
 * const y = tape.op('Mul', [x, x], [3]);
 * const grads = backward(tape, new Map([[y, tape.input('dy', [3])]]), [x]); // dy * 2x, as graph values
 * ```
 */
export function backward(
  tape: Tape,
  seeds: ReadonlyMap<string, string>,
  wrt: readonly string[],
  rules: Readonly<Record<string, GradientRule>> = GRADIENT_RULES,
): Map<string, string> {
  const requires = new Set(wrt);
  for (const node of tape.nodes)
    if (node.inputs.some((i) => requires.has(i))) for (const o of node.outputs) requires.add(o);

  const grads = new Map<string, string>();
  const accumulate = (value: string, grad: string) => {
    const previous = grads.get(value);
    grads.set(value, previous === undefined ? grad : tape.op('Add', [previous, grad], tape.shape(value)));
  };
  for (const [value, grad] of seeds) accumulate(value, grad);

  for (let k = tape.nodes.length - 1; k >= 0; k--) {
    const node = tape.nodes[k]!;
    const dOutputs = node.outputs.map((o) => grads.get(o) ?? null);
    if (dOutputs.every((d) => d === null)) continue;
    const needs = node.inputs.map((i) => requires.has(i));
    if (!needs.some(Boolean)) continue;
    const rule = rules[node.opType];
    if (rule === undefined)
      throw new Error(
        `no gradient rule for ONNX op ${node.opType} (node output '${node.outputs[0]}'); rules exist for ${Object.keys(rules).join(', ')}`,
      );
    const dInputs = rule({ tape, node, dOutputs, needs });
    node.inputs.forEach((input, i) => {
      const d = dInputs[i];
      if (needs[i] && d !== null && d !== undefined) accumulate(input, d);
    });
  }

  return new Map(
    wrt.map((w) => {
      const grad = grads.get(w);
      if (grad !== undefined) return [w, grad];
      const shape = tape.shape(w);
      const zeros = tape.op('ConstantOfShape', [tape.ints(shape)], shape, {
        value: { type: tape.type, dims: [1], data: [0] },
      });
      return [w, zeros];
    }),
  );
}
