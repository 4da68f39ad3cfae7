import { type Roles, leaves, lowerState } from '@losskit/core';
import type { BackendUnderTest } from '@losskit/test-utils';
import { roleSizes } from '@losskit/test-utils';
import * as tf from '@tensorflow/tfjs';
import { type GradientMode, type Layout, compile } from '../src/index.js';

/** The tfjs layout permutations: NCHW <-> NHWC with k spatial axes. */
const toNhwc = (rank: number) => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
const toNchw = (rank: number) => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];

/** Core data (NCHW-flattened over the roles it spans) as a full-rank tensor in `layout`. */
function fromCore(data: Float64Array, roles: Roles, dims: { batch: number; class: number; spatial: number[] }, layout: Layout) {
  if (roles.length === 0) return tf.scalar(data[0]!);
  const nchw = [
    roles.includes('batch') ? dims.batch : 1,
    roles.includes('class') ? dims.class : 1,
    ...dims.spatial.map((d) => (roles.includes('spatial') ? d : 1)),
  ];
  const t = tf.tensor(Float32Array.from(data), nchw);
  return layout === 'NHWC' ? tf.transpose(t, toNhwc(nchw.length)) : t;
}

/**
 * A full-rank tensor in `layout` back to core order (size-1 axes drop out of the flattening). Read
 * with `await data()`: a synchronous read stalls (and on webgpu can lose) the GPU pipeline.
 */
async function toCore(t: tf.Tensor, layout: Layout): Promise<Float64Array> {
  const nchw = t.rank > 0 && layout === 'NHWC' ? tf.transpose(t, toNchw(t.rank)) : t;
  const out = Float64Array.from(await nchw.data());
  if (nchw !== t) nchw.dispose();
  return out;
}

const readAll = async (ts: Record<string, tf.Tensor>, layout: Layout): Promise<Record<string, Float64Array>> =>
  Object.fromEntries(await Promise.all(Object.entries(ts).map(async ([n, t]) => [n, await toCore(t, layout)] as const)));

export interface TfjsBackendOptions {
  layout: Layout;
  gradient: GradientMode;
  /** 'valueAndGrad': the fused API. 'customGrad': tf.valueAndGrads over the tfjs-differentiable `call`. */
  path: 'valueAndGrad' | 'customGrad';
  /** Generated fused kernels (default true, as `compile`). */
  fuse?: boolean;
}

/** @losskit/tfjs as a conformance backend on whatever tfjs backend is active. */
export function tfjsBackend(name: string, options: TfjsBackendOptions): BackendUnderTest {
  return {
    name,
    async run(expr, env, wrt) {
      const sizes = roleSizes(expr, env.inputs);
      const inputNodes = leaves([expr], 'input');
      // the spatial dims: what follows batch/class in the shape of an input spanning spatial
      const spatialInput = [...inputNodes].find(([, node]) => node.roles.includes('spatial'));
      const spatial = spatialInput ? env.inputs[spatialInput[0]]!.shape.slice(spatialInput[1].roles.length - 1) : [];
      const dims = { batch: sizes.batch, class: sizes.class, spatial };
      const loss = compile(expr, { layout: options.layout, gradient: options.gradient, wrt, params: env.params, fuse: options.fuse ?? true });
      const created: tf.Tensor[] = [];
      try {
        const inputs: Record<string, tf.Tensor> = {};
        for (const [name, value] of Object.entries(env.inputs)) {
          const t = fromCore(value.data, inputNodes.get(name)?.roles ?? [], dims, options.layout);
          inputs[name] = t;
          created.push(t);
        }
        if (env.state) {
          const state: Record<string, tf.Tensor> = {};
          for (const slot of lowerState([expr]).slots) {
            const data = env.state[slot.name];
            if (data) created.push((state[slot.name] = fromCore(data, slot.roles, dims, options.layout)));
          }
          loss.setState(state);
        }
        let value: tf.Tensor;
        let grads: Record<string, tf.Tensor>;
        if (options.path === 'valueAndGrad' || wrt.length === 0) {
          ({ value, grads } =
            wrt.length === 0
              ? { value: loss.value(inputs, { training: true }), grads: {} }
              : loss.valueAndGrad(inputs, { wrt, training: true }));
        } else {
          const f = (...xs: tf.Tensor[]) => loss.call({ ...inputs, ...Object.fromEntries(wrt.map((n, i) => [n, xs[i]!])) });
          const result = tf.valueAndGrads(f)(wrt.map((n) => inputs[n]!));
          value = result.value;
          grads = Object.fromEntries(wrt.map((n, i) => [n, result.grads[i]!]));
        }
        created.push(value, ...Object.values(grads));
        const nextState = loss.getState();
        created.push(...Object.values(nextState));
        return {
          value: await toCore(value, options.layout),
          gradients: await readAll(grads, options.layout),
          nextState: await readAll(nextState, options.layout),
        };
      } finally {
        for (const t of created) t.dispose();
        loss.dispose();
      }
    },
  };
}
