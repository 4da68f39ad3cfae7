import type { TrainingBackend } from '../backends/training-backend.js';
import type { SegmentationDataset } from '../datasets/dataset.js';
import { buildLoss } from '../losses.js';
import type { FromWorker, ToWorker } from './messages.js';
import { trainRun } from './train-run.js';

/**
 * A pool worker (a child process): receives the dataset once, then runs one training run per
 * message and streams its step progress and epoch rows back. Exits when the parent goes away.
 */
const BACKENDS: Record<string, () => Promise<TrainingBackend>> = {
  onnx: async () => (await import('../backends/onnx-backend.js')).onnxBackend,
  tfjs: async () => (await import('../backends/tfjs-backend.js')).tfjsBackend,
};

const send = (message: FromWorker) => process.send!(message);
let dataset: SegmentationDataset | undefined;

process.on('disconnect', () => process.exit(1));
// Ctrl-C reaches the whole process group: the parent decides (a queue worker finishes its runs first)
process.on('SIGINT', () => {});
process.on('message', (message: ToWorker) => {
  if (message.type === 'dataset') {
    dataset = message.dataset;
    send({ type: 'ready' });
    return;
  }
  void (async () => {
    const { spec } = message;
    try {
      if (!dataset) throw new Error('worker got a run before its dataset');
      const backend = await BACKENDS[spec.settings.backend]!();
      const loss = await buildLoss(spec.loss, { numClasses: dataset.classNames.length, ema: spec.settings.ema });
      await trainRun(spec, loss, dataset, backend, {
        onStep: (epoch, step, steps) => send({ type: 'step', epoch, step, steps }),
        onRow: (row) => send({ type: 'row', row }),
      });
      send({ type: 'done' });
    } catch (error) {
      send({ type: 'failed', message: (error as Error).message });
    }
  })();
});
