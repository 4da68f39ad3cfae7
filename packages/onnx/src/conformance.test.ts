import { type Node, leaves } from '@losskit/core';
import { type BackendUnderTest, conformanceSuite, fixedCaseSuite, numericEdgeCases, peerVectors } from '@losskit/test-utils';
import { createLossSession } from './session.js';

/** Spatial axes of the data: an input spanning spatial has them after its batch / class axes. */
function spatialRankOf(expr: Node, inputs: Record<string, { shape: number[] }>): number {
  for (const [name, leaf] of leaves([expr], 'input')) {
    const shape = inputs[name]?.shape;
    if (shape && leaf.roles.includes('spatial')) return shape.length - (leaf.roles.length - 1);
  }
  return 2;
}

const onnxRuntimeCpu: BackendUnderTest = {
  name: 'onnx (onnxruntime-node, CPU, float32)',
  async run(expr, env, wrt) {
    const session = await createLossSession(expr, {
      gradients: wrt,
      spatialRank: spatialRankOf(expr, env.inputs),
      intraOpThreads: 1,
    });
    try {
      const out = await session.run({ inputs: env.inputs, params: env.params, ...(env.state ? { state: env.state } : {}) });
      const f64 = (x: Float32Array) => Float64Array.from(x);
      return {
        value: f64(out.valueData),
        gradients: Object.fromEntries(Object.entries(out.gradients).map(([k, v]) => [k, f64(v)])),
        nextState: Object.fromEntries(Object.entries(out.nextState).map(([k, v]) => [k, f64(v)])),
      };
    } finally {
      await session.release();
    }
  },
};

conformanceSuite(onnxRuntimeCpu);

fixedCaseSuite(onnxRuntimeCpu, 'numeric edge cases', numericEdgeCases());
fixedCaseSuite(onnxRuntimeCpu, 'peer test vectors', peerVectors());
