import type { InputSpec, Node } from '@losskit/core';

export type { InputDomain, InputSpec } from '@losskit/core';

/** The parts of a core catalogue `Loss` the suite uses (structurally compatible with it). */
export interface LossLike {
  readonly name: string;
  readonly expr: Node;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly params: Readonly<Record<string, number>>;
}

/** Input data as the core takes it: shape lists only the roles the input spans, data NCHW-flattened. */
export interface InputData {
  shape: number[];
  data: Float64Array;
}

/** Sizes of the test tensors: batch N, class C, spatial dims (H, W, ...). */
export interface CaseSizes {
  readonly batch: number;
  readonly class: number;
  readonly spatial: readonly number[];
}

export interface BackendRun {
  value: Float64Array;
  gradients: Record<string, Float64Array>;
  nextState: Record<string, Float64Array>;
}

export interface BackendUnderTest {
  name: string;
  /**
   * Compile expr, run once on the given float64 data (cast to the backend's dtype), return the value,
   * the gradient w.r.t. each input named in `wrt` (laid out like the core Tensor, i.e. NCHW-flattened),
   * and the next state of every slot.
   */
  run(
    expr: Node,
    env: {
      inputs: Record<string, { shape: number[]; data: Float64Array }>;
      params: Record<string, number>;
      state?: Record<string, Float64Array>;
    },
    wrt: string[],
  ): Promise<BackendRun>;
  /** float32 tolerances (default `FLOAT32_TOLERANCE`). */
  tolerance?: { rtol: number; atol: number };
  /** Cases the backend does not support, by case name, each with the reason. */
  gaps?: Record<string, string>;
}
