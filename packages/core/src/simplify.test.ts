import { describe, expect, it } from 'vitest';
import * as L from './index.js';
import type { Node } from './index.js';
import { seededRandom } from './testing/finite-difference.js';

const p = L.input('p');
const q = L.input('q');
const shape = [2, 2, 3];

function randomEnv(seed: number) {
  const random = seededRandom(seed);
  const data = () => Float64Array.from({ length: 12 }, () => 4 * random() - 2);
  return { inputs: { p: { shape, data: data() }, q: { shape, data: data() } } };
}

/** Same values wherever the original is finite (the simplifier's law). */
function expectSameValues(original: Node, simplified: Node): void {
  for (const seed of [1, 2, 3, 4]) {
    const env = randomEnv(seed);
    const a = L.evaluate(L.broadcastLike(original, p), env).value.data;
    const b = L.evaluate(L.broadcastLike(simplified, p), env).value.data;
    a.forEach((value, i) => {
      if (Number.isFinite(value)) expect(b[i]).toBeCloseTo(value, 10);
    });
  }
}

/** The rule's pattern with its variables replaced by concrete subexpressions that meet every guard. */
function instantiate(pattern: Node): Node {
  const concrete: Record<string, Node> = {
    $x: L.add(L.square(p), 0.1), // finite and positive
    $y: L.tanh(q),
    $c: L.constant(2.5),
    $k: L.constant(-1.5),
  };
  return L.rewrite([pattern], (node, args) =>
    node.op === 'input' ? (concrete[node.attrs.name!] ?? node) : L.makeNode(node.op, args, node.attrs),
  )[0]!;
}

describe('simplify', () => {
  for (const rule of L.DEFAULT_RULES) {
    it(`rule ${rule.name} fires on its pattern and keeps the value`, () => {
      const instance = instantiate(rule.pattern);
      const simplified = L.simplify(instance, { rules: [rule] });
      expect(simplified).not.toBe(instance);
      expectSameValues(instance, simplified);
    });
  }

  it('folds constants with the evaluator kernels', () => {
    expect(L.simplify(L.add(L.mul(2, 3), L.exp(0)))).toBe(L.constant(7));
    expect(L.simplify(L.mul(p, L.sub(3, 2)))).toBe(p);
  });

  it('does not turn a possible Inf or NaN into a number', () => {
    const risky = L.log(p); // NaN for p < 0
    expect(L.simplify(L.mul(risky, 0))).toBe(L.mul(risky, 0));
    expect(L.simplify(L.sub(risky, risky))).toBe(L.sub(risky, risky));
    expect(L.simplify(L.exp(L.log(p)))).toBe(L.exp(L.log(p))); // p may be negative: exp(log p) is NaN there
    expect(L.simplify(L.exp(L.log(L.square(p))))).toBe(L.square(p));
  });

  it('removes broadcasts to the same roles', () => {
    expect(L.simplify(L.broadcastLike(L.exp(p), q))).toBe(L.exp(p));
  });

  it('reaches a fixed point: simplifying twice changes nothing', () => {
    const e = L.add(L.mul(L.neg(L.neg(p)), 1), L.sub(L.mul(q, 0), L.neg(L.mul(2, L.mul(3, p)))));
    const once = L.simplify(e);
    expect(L.simplify(once)).toBe(once);
    expect(once).toBe(L.mul(7, p));
    expectSameValues(e, once);
  });

  it('keeps the derivative of the static exponential term small', () => {
    // d/dL1 [A L1 e^{(1-A) L2}] = A e^{(1-A) L2}
    const [l1, l2, A] = [L.input('L1', []), L.input('L2', []), L.param('A')];
    const term = L.mul(A, l1, L.exp(L.mul(L.sub(1, A), l2)));
    const e = L.exp(L.mul(L.sub(1, A), l2));
    expect([L.mul(A, e), L.mul(e, A)]).toContain(L.gradient(term, l1));
  });

  it('leaves ema terms as built, so a loss and its gradient share each slot', () => {
    const term = L.sub(L.mul(L.param('A'), L.mean(p)), L.mul(L.sub(1, L.param('A')), L.mean(p)));
    const loss = L.relu(L.ema(term, 0.9, 'slot'));
    const grad = L.gradient(loss, p);
    expect(L.topoSort([grad]).filter((n) => n.op === 'ema')).toEqual([loss.args[0]]);
    const env = { ...randomEnv(1), params: { A: 0.8 } };
    const [value, g] = L.evaluate([loss, grad], env).values;
    expect(value!.data[0]).toBeGreaterThan(0);
    expect(g!.data.every(Number.isFinite)).toBe(true);
  });

  it('accepts user rules', () => {
    const x = L.v('x');
    const softplusOfZero = L.rule('softplus(0) -> log 2', L.softplus(L.mul(x, 0)), () => L.constant(Math.LN2));
    const s = L.input('s', []);
    expect(L.simplify(L.softplus(L.mul(s, 0)), { rules: [softplusOfZero] })).toBe(L.constant(Math.LN2));
  });
});
