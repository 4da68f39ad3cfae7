import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_METADATA_KEY, CheckpointError, readCheckpoint } from './checkpoint.js';
import { createModel } from './model.js';
import { shapesBatch } from './synthetic-shapes.js';
import { crossEntropy } from './testing/losses.js';
import { Trainer } from './trainer.js';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;

const trainer = new Trainer({ model: { kind: 'unet', numClasses: 2, depth: 1, baseWidth: 2 }, loss: crossEntropy(), seed: 5 });
await trainer.step(shapesBatch(2, 8, 0));
const good = trainer.exportModel({ height: 8, width: 8 });

/**
 * Edits a checkpoint the way a deliberate tamperer would: changes the metadata or the model, then
 * writes a checksum that matches (the file format's recipe, written out here independently), so
 * that only the field checks stand between the edit and a half-read model.
 */
function tamper(edit: (info: Record<string, unknown>, model: ModelProto) => unknown): Uint8Array {
  const model = onnx.ModelProto.decode(good);
  const entry = model.metadataProps.find((p) => p.key === CHECKPOINT_METADATA_KEY)!;
  const info = JSON.parse(entry.value!) as Record<string, unknown>;
  const result = edit(info, model);
  const edited = result === undefined ? info : result;
  const body = onnx.ModelProto.encode(onnx.ModelProto.create({ ...model, metadataProps: model.metadataProps.filter((p) => p !== entry) })).finish();
  const withoutChecksum = edited !== null && typeof edited === 'object' && !Array.isArray(edited) ? JSON.stringify({ ...edited, checksum: '' }) : '';
  const digest = createHash('sha256').update(body).update('\n').update(withoutChecksum).digest('hex');
  if (withoutChecksum !== '') (edited as Record<string, unknown>).checksum = digest;
  const tail = onnx.ModelProto.encode({ metadataProps: [{ key: CHECKPOINT_METADATA_KEY, value: JSON.stringify(edited) }] }).finish();
  return Uint8Array.from([...body, ...tail]);
}

const initializer = (model: ModelProto) => model.graph!.initializer!.find((t) => (t.rawData?.byteLength ?? 0) > 4)!;

describe('checkpoint integrity', () => {
  it('the tamper helper reproduces the checksum: an untouched re-encode still loads', () => {
    expect(readCheckpoint(tamper(() => undefined), 'same.onnx', createModel).step).toBe(1);
  });

  const cases: [string, (info: Record<string, unknown>, model: ModelProto) => unknown, RegExp][] = [
    ["kind 'constructor'", (i) => ({ ...i, config: { ...(i.config as object), kind: 'constructor' } }), /unknown model kind "constructor"/],
    ["kind '__proto__'", (i) => ({ ...i, config: { ...(i.config as object), kind: '__proto__' } }), /unknown model kind "__proto__"/],
    ["kind 'toString'", (i) => ({ ...i, config: { ...(i.config as object), kind: 'toString' } }), /unknown model kind "toString"/],
    ['metadata null', () => null, /metadata is null, expected an object/],
    ['metadata an array', () => [1, 2], /metadata is an array/],
    ['metadata a number', () => 123, /metadata is number/],
    ['config null', (i) => ({ ...i, config: null }), /config null/],
    ["step 'abc'", (i) => ({ ...i, step: 'abc' }), /step "abc", expected a non-negative integer/],
    ['step -1', (i) => ({ ...i, step: -1 }), /step -1/],
    ['step 1.5', (i) => ({ ...i, step: 1.5 }), /step 1.5/],
    ['height 0', (i) => ({ ...i, height: 0 }), /size 0x8, expected positive integers/],
    ['format "1"', (i) => ({ ...i, format: '1' }), /format "1", this version reads 2/],
    ['numClasses 1', (i) => ({ ...i, config: { ...(i.config as object), numClasses: 1 } }), /numClasses must be an integer >= 2/],
    ['depth 1e9', (i) => ({ ...i, config: { ...(i.config as object), depth: 1e9 } }), /depth must be an integer from 1 to 12/],
    ['dropout 1.5', (i) => ({ ...i, config: { ...(i.config as object), dropout: 1.5 } }), /dropout must be a rate in \[0, 1\), got 1.5/],
    ['odd byte length', (_, m) => void (initializer(m).rawData = initializer(m).rawData!.slice(1)), /holds \d+ bytes, shape .* needs \d+/],
    ['3 bytes', (_, m) => void (initializer(m).rawData = initializer(m).rawData!.slice(0, 3)), /holds 3 bytes/],
    ['dims edited', (_, m) => void (initializer(m).dims = [1]), /has dims \[1\], the model needs/],
    ['data type int32', (_, m) => void (initializer(m).dataType = onnx.TensorProto.DataType.INT32), /data type 6, expected 1/],
    ['initializer renamed', (_, m) => void (initializer(m).name = 'other'), /missing the initializer/],
  ];
  for (const [name, edit, message] of cases)
    it(`refuses tampered metadata or weights with a CheckpointError: ${name}`, () => {
      const bytes = tamper(edit);
      expect(() => readCheckpoint(bytes, 'tampered.onnx', createModel)).toThrow(CheckpointError);
      expect(() => readCheckpoint(bytes, 'tampered.onnx', createModel)).toThrow(message);
    });

  it('detects every single-byte flip of the file (each one is a CheckpointError, never a model that does not run)', async () => {
    const loaded: number[] = [];
    let other = 0;
    for (let at = 0; at < good.length; at++) {
      const bytes = Uint8Array.from(good);
      bytes[at]! ^= 0x01 << at % 8;
      try {
        readCheckpoint(bytes, 'flipped.onnx', createModel);
        loaded.push(at);
      } catch (error) {
        if (!(error instanceof CheckpointError)) other++;
      }
    }
    expect(other).toBe(0);
    // a flip that still loads would have to decode to the same model; none does, but if one did it must run
    for (const at of loaded) {
      const bytes = Uint8Array.from(good);
      bytes[at]! ^= 0x01 << at % 8;
      const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      await session.run({ images: new ort.Tensor('float32', new Float32Array(3 * 64), [1, 3, 8, 8]) });
      await session.release();
    }
    expect(loaded).toEqual([]);
  }, 60_000);
});
