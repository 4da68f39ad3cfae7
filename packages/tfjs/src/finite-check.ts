import * as tf from '@tensorflow/tfjs-core';
import { InputError } from './inputs.js';

/**
 * How a compiled loss checks its inputs for NaN and Inf: one interface, one implementation per
 * kind of backend, chosen per call from the active backend.
 *
 * - host (cpu, wasm, tensorflow = tfjs-node / tfjs-node-gpu): the data is in memory the check can
 *   read at once, so the call that got the bad input throws.
 * - device (webgl, webgpu and any other backend): a synchronous read would stall the GPU pipeline
 *   (and has lost the WebGPU device), so the check is one reduction on the device whose boolean
 *   result is read with `await data()`. A failure is thrown by the next call of the same compiled
 *   loss, and by `await loss.sync()`.
 */
export interface FiniteCheck {
  /** Checks `t` (float32, full rank) named `what`: throws now or records the check for later. */
  check(t: tf.Tensor, what: string): void;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

function nonFiniteError(what: string, data: ArrayLike<number>, shape: readonly number[], when = ''): InputError {
  let at = -1;
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]!)) {
      at = i;
      break;
    }
  return new InputError(
    `${what} has a non-finite value (${data[at]}) at flat index ${at} of shape ${fmt(shape)}${when}; losses need finite inputs (pass checkFinite: false to skip this check)`,
  );
}

/** Host data: one reduction read at once; the data is read only when something is wrong. */
const HOST_CHECK: FiniteCheck = {
  check(t, what) {
    if (tf.all(tf.isFinite(t)).dataSync()[0]) return;
    throw nonFiniteError(what, t.dataSync(), t.shape);
  },
};

/** Backends whose tensors the check may read synchronously (the data is host-side, or native). */
const HOST_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

/** Whether a NaN/Inf input on tfjs backend `name` is reported by the call itself (true) or deferred to the next call and `loss.sync()`. */
export const checksSynchronously = (name: string): boolean => HOST_BACKENDS.has(name);

/**
 * The finite checks of one compiled loss. `forCall()` gives the check for the active backend;
 * `rethrow()` (at the start of every call) throws a failure a device check found since; `settle()`
 * waits for every device check in flight and then does the same.
 */
export class FiniteChecks {
  private readonly pending = new Map<object, Promise<void>>();
  private failure: InputError | undefined;
  private calls = 0;

  /** The check for the call about to run (counts the call, for the message of a deferred failure). */
  forCall(): FiniteCheck {
    const call = ++this.calls;
    if (checksSynchronously(tf.getBackend())) return HOST_CHECK;
    return { check: (t, what) => this.deviceCheck(t, what, call) };
  }

  private deviceCheck(t: tf.Tensor, what: string, call: number): void {
    // the input is kept (a second handle on the same data, no copy) only until the flag is read,
    // so that a failure can name the first bad element; both are disposed then
    const ok = tf.keep(tf.all(tf.isFinite(t)));
    const input = tf.keep(tf.clone(t));
    const entry = {};
    this.pending.set(
      entry,
      (async () => {
        try {
          const [flag] = await ok.data();
          if (!flag && this.failure === undefined)
            this.failure = nonFiniteError(what, await input.data(), input.shape, ` (found after call ${call} of this loss returned)`);
        } catch (error) {
          if (this.failure === undefined)
            this.failure = new InputError(`${what}: the finite check of call ${call} could not be read (${error instanceof Error ? error.message : String(error)})`);
        } finally {
          ok.dispose();
          input.dispose();
          this.pending.delete(entry);
        }
      })(),
    );
  }

  /** Throws (once) the failure a deferred check found. */
  rethrow(): void {
    const failure = this.failure;
    if (failure === undefined) return;
    this.failure = undefined;
    throw failure;
  }

  /** Waits for every check in flight, then throws the first failure found. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
    this.rethrow();
  }

  /** Checks in flight (each holds two tensor handles until its flag is read). */
  get inFlight(): number {
    return this.pending.size;
  }
}
