// In-page checks of what a user gets with default options on the active (GPU) backend: no
// synchronous read on the hot path, the deferred finite check, int32/bool targets. Each returns
// plain data for node to assert on.
import { catalogue, input, mean, square, sub } from '@losskit/core';
import * as tf from '@tensorflow/tfjs';
import { InputError, compile } from '../../src/index.js';

export interface SyncReadReport {
  /** backend.readSync calls (what dataSync / arraySync do) during the calls, per kind of call. */
  readSyncs: Record<'value' | 'valueAndGrad' | 'layersLoss' | 'fit', number>;
}

/** Counts the synchronous reads of the active backend while `f` runs. */
async function countSyncReads(f: () => Promise<void> | void): Promise<number> {
  const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
  const original = backend.readSync;
  let n = 0;
  backend.readSync = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  try {
    await f();
  } finally {
    backend.readSync = original;
  }
  return n;
}

export async function syncReads(): Promise<SyncReadReport> {
  const loss = compile(catalogue.categoricalCrossEntropy()); // default options: checkFinite on, fused
  const pred = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
  const target = tf.oneHot(tf.randomUniform([2, 8, 8], 0, 3, 'int32', 4), 3); // int32
  const warm = loss.valueAndGrad({ pred, target }); // first call compiles shaders
  tf.dispose([warm.value, ...Object.values(warm.grads)]);
  await loss.sync();
  const readSyncs = {
    value: await countSyncReads(() => tf.dispose(loss.value({ pred, target }))),
    valueAndGrad: await countSyncReads(() => {
      const { value, grads } = loss.valueAndGrad({ pred, target });
      tf.dispose([value, ...Object.values(grads)]);
    }),
    layersLoss: await countSyncReads(() => {
      const { value, grads } = tf.valueAndGrads((p: tf.Tensor) => loss(target, p))([pred]);
      tf.dispose([value, ...grads]);
    }),
    fit: 0,
  };
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) })] });
  const optimizer = tf.train.sgd(0.1);
  model.compile({ optimizer, loss: loss.asLayersLoss() });
  await model.fit(pred, target, { epochs: 1, verbose: 0 }); // warm-up: shaders
  // tfjs-layers itself reads nothing synchronously in fit (it awaits the epoch's loss)
  readSyncs.fit = await countSyncReads(() => model.fit(pred, target, { epochs: 2, verbose: 0 }).then(() => undefined));
  await loss.sync();
  model.dispose();
  optimizer.dispose();
  tf.dispose([pred, target]);
  loss.dispose();
  return { readSyncs };
}

export interface FiniteCheckReport {
  /** The call that got a NaN returned (no throw: the check is read later). */
  badCallReturned: boolean;
  /** What `await loss.sync()` threw after that call (class name and message). */
  syncThrew: { name: string; isInputError: boolean; message: string } | null;
  /** The next call after a bad one, without sync in between: what it threw. */
  nextCallThrew: { isInputError: boolean; message: string } | null;
  /** A clean call after the error was reported works again. */
  recovered: boolean;
  /** Tensors left after everything, minus before. */
  leaked: number;
}

export async function finiteCheck(): Promise<FiniteCheckReport> {
  const before = tf.memory().numTensors;
  const loss = compile(catalogue.l2());
  const clean = tf.zeros([1, 4, 4, 1]);
  const bad = tf.tensor([0, 1, Number.NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [1, 4, 4, 1]);
  let badCallReturned = false;
  try {
    tf.dispose(loss.value({ pred: clean, target: bad }));
    badCallReturned = true;
  } catch {}
  let syncThrew: FiniteCheckReport['syncThrew'] = null;
  try {
    await loss.sync();
  } catch (e) {
    syncThrew = { name: (e as Error).name, isInputError: e instanceof InputError, message: (e as Error).message };
  }
  // without sync: the error surfaces on a later call once the device answered
  tf.dispose(loss.value({ pred: clean, target: bad }));
  let nextCallThrew: FiniteCheckReport['nextCallThrew'] = null;
  for (let i = 0; i < 200 && nextCallThrew === null; i++) {
    await new Promise((r) => setTimeout(r, 5));
    try {
      tf.dispose(loss.value({ pred: clean, target: clean }));
    } catch (e) {
      nextCallThrew = { isInputError: e instanceof InputError, message: (e as Error).message };
    }
  }
  let recovered = false;
  try {
    await loss.sync();
    const v = loss.value({ pred: clean, target: clean });
    recovered = (await v.data())[0] === 0;
    v.dispose();
    await loss.sync();
  } catch {}
  tf.dispose([clean, bad]);
  loss.dispose();
  return { badCallReturned, syncThrew, nextCallThrew, recovered, leaked: tf.memory().numTensors - before };
}

/** The same loss value and gradient with float32, int32 and bool targets (must agree exactly). */
export async function targetDtypes(): Promise<Record<'float32' | 'int32' | 'bool', { value: number; grad: number[] }>> {
  const pred = tf.randomUniform([2, 4, 4, 3], 0.05, 0.95, 'float32', 5);
  const onehot = tf.oneHot(tf.randomUniform([2, 4, 4], 0, 3, 'int32', 6), 3); // int32
  const losses = [compile(catalogue.dice()), compile(mean(square(sub(input('pred'), input('target')))), { fuse: false })];
  const out = {} as Record<'float32' | 'int32' | 'bool', { value: number; grad: number[] }>;
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    const target = tf.cast(onehot, dtype);
    let value = 0;
    let grad: number[] = [];
    for (const loss of losses) {
      const r = loss.valueAndGrad({ pred, target });
      value += (await r.value.data())[0]!;
      grad = [...grad, ...(await r.grads.pred!.data())];
      tf.dispose([r.value, ...Object.values(r.grads)]);
    }
    out[dtype] = { value, grad };
    target.dispose();
  }
  for (const loss of losses) loss.dispose();
  tf.dispose([pred, onehot]);
  return out;
}
