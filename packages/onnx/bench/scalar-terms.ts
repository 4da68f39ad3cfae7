/**
 * The hybrid term of the benchmarked experiments as a scalar function f(L1, L2; A, B) with its
 * partial derivatives, written once over an abstract scalar algebra so the fused JS loop (numbers)
 * and the hand-built ONNX graph (GraphBuilder nodes) share one hand derivation.
 *   L1 = mean |softmax(pred) - onehot|,  L2 = mean (softmax(pred) - onehot)^2  (over all N*C*HW)
 */
export interface Scalars<T> {
  k(value: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  exp(a: T): T;
  abs(a: T): T;
  neg(a: T): T;
  min(a: T, b: T): T;
  elu(a: T): T;
  /** z < bound ? a : b */
  lessThen(z: T, bound: number, a: T, b: T): T;
}

export interface HybridTerm<T> {
  f: T;
  dL1: T;
  dL2: T;
}
export type HybridScalar = <T>(s: Scalars<T>, L1: T, L2: T, A: T, B: T) => HybridTerm<T>;

const E30 = Math.exp(30);
/** The paper's clipped exponential: e^z below 30, its tangent line above (core `paper/terms`). */
function clippedExp<T>(s: Scalars<T>, z: T): { value: T; slope: T } {
  const e = s.exp(s.min(z, s.k(30)));
  return {
    value: s.lessThen(z, 30, e, s.mul(s.k(E30), s.add(s.k(1), s.sub(z, s.k(30))))),
    slope: s.lessThen(z, 30, e, s.k(E30)),
  };
}

/** Bi-eLU(x) = elu(x) - elu(-x); its derivative is 1 + e^-|x| */
function biElu<T>(s: Scalars<T>, x: T): { value: T; slope: T } {
  return { value: s.sub(s.elu(x), s.elu(s.neg(x))), slope: s.add(s.k(1), s.exp(s.neg(s.abs(x)))) };
}

export const HYBRID_TERMS: Record<number, HybridScalar> = {
  // cross-entropy only
  1: (s) => ({ f: s.k(0), dL1: s.k(0), dL2: s.k(0) }),
  // A L1 E(B L2) + A L1 + B L2
  7: (s, L1, L2, A, B) => {
    const E = clippedExp(s, s.mul(B, L2));
    return {
      f: s.add(s.mul(s.mul(A, L1), E.value), s.add(s.mul(A, L1), s.mul(B, L2))),
      dL1: s.add(s.mul(A, E.value), A),
      dL2: s.add(s.mul(s.mul(s.mul(A, L1), E.slope), B), B),
    };
  },
  // biElu(x), x = A (A L1 - (1-A) L1 - B L2) + (1-A) L2 = A(2A-1) L1 + (1 - A - AB) L2
  12: (s, L1, L2, A, B) => {
    const c1 = s.mul(A, s.sub(s.mul(s.k(2), A), s.k(1)));
    const c2 = s.sub(s.sub(s.k(1), A), s.mul(A, B));
    const b = biElu(s, s.add(s.mul(c1, L1), s.mul(c2, L2)));
    return { f: b.value, dL1: s.mul(b.slope, c1), dL2: s.mul(b.slope, c2) };
  },
  // biElu(x) + A L1 E((1-A) L2), x as in 12
  22: (s, L1, L2, A, B) => {
    const c1 = s.mul(A, s.sub(s.mul(s.k(2), A), s.k(1)));
    const c2 = s.sub(s.sub(s.k(1), A), s.mul(A, B));
    const b = biElu(s, s.add(s.mul(c1, L1), s.mul(c2, L2)));
    const oneMinusA = s.sub(s.k(1), A);
    const E = clippedExp(s, s.mul(oneMinusA, L2));
    return {
      f: s.add(b.value, s.mul(s.mul(A, L1), E.value)),
      dL1: s.add(s.mul(b.slope, c1), s.mul(A, E.value)),
      dL2: s.add(s.mul(b.slope, c2), s.mul(s.mul(s.mul(A, L1), E.slope), oneMinusA)),
    };
  },
  // biElu(x) + A L1 E(B L2), x = A (A L1 - B L1 - B L2) + B L2 = A(A-B) L1 + (B - AB) L2
  27: (s, L1, L2, A, B) => {
    const c1 = s.mul(A, s.sub(A, B));
    const c2 = s.sub(B, s.mul(A, B));
    const b = biElu(s, s.add(s.mul(c1, L1), s.mul(c2, L2)));
    const E = clippedExp(s, s.mul(B, L2));
    return {
      f: s.add(b.value, s.mul(s.mul(A, L1), E.value)),
      dL1: s.add(s.mul(b.slope, c1), s.mul(A, E.value)),
      dL2: s.add(s.mul(b.slope, c2), s.mul(s.mul(s.mul(A, L1), E.slope), B)),
    };
  },
};

export const numberScalars: Scalars<number> = {
  k: (v) => v,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  exp: Math.exp,
  abs: Math.abs,
  neg: (a) => -a,
  min: Math.min,
  elu: (a) => (a > 0 ? a : Math.expm1(a)),
  lessThen: (z, bound, a, b) => (z < bound ? a : b),
};
