/**
 * The float32 tolerances every backend is held to, in one place. An element passes when
 * |got - want| <= atol + rtol * |want|. Inputs are drawn exactly representable in float32, so the
 * remaining error is float32 rounding inside the backend: ~6e-8 per op, grown by reductions over
 * the (small) test tensors and by exp/log/pow chains in the hybrid losses.
 */
export const FLOAT32_TOLERANCE = { rtol: 2e-3, atol: 2e-5 } as const;

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** The first element that differs beyond tolerance, described for a test message; undefined when all agree. */
export function compareArrays(
  what: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): string | undefined {
  if (got.length !== want.length) return `${what}: ${got.length} values, expected ${want.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const excess = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (Number.isNaN(g) !== Number.isNaN(w) || excess > worstExcess || (Number.isNaN(excess) && !Number.isNaN(w))) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
    }
  }
  if (worst < 0) return undefined;
  return `${what}[${worst}]: got ${got[worst]}, expected ${want[worst]} (rtol ${tol.rtol}, atol ${tol.atol})`;
}
