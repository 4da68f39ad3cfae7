import { type Job, WaitingError, Worker } from 'bullmq';
import type { WorkerCommand } from '../args.js';
import type { SegmentationDataset } from '../datasets/dataset.js';
import { EMBEDDED_DATASETS, loadDataset } from '../datasets/registry.js';
import { lossSourceOf } from '../losses.js';
import { ChildRunner, RunFailed } from '../run/child-runner.js';
import type { ProgressStream } from '../run/progress.js';
import type { RunSettings, RunSpec } from '../run/run-spec.js';
import { connect } from './connection.js';
import { type RunJobData, type RunJobProgress, processName, sweepKeys } from './sweep.js';

/** A job's worker that stopped renewing its lock this many times more is given up on: the run fails. */
const MAX_STALLED = 2;
/** Progress reports per run and second, at most (each is a Redis write and an event). */
const PROGRESS_MS = 250;

interface Slot {
  readonly index: number;
  runner: ChildRunner | undefined;
  busy: boolean;
}

const label = (spec: RunSpec) => `experiment ${spec.experiment} ${spec.model} seed ${spec.seed}`;

/**
 * `seg-bench worker --queue URL`: takes runs from the queue, `--concurrency` at a time, each in a
 * training child process of its own (the pool's ChildRunner). Training never blocks this
 * process's event loop, so BullMQ renews the job lock every lockDuration/2 however long an epoch
 * takes; a worker that dies (SIGKILL, a lost machine) stops renewing, and after its lock lapses
 * another worker's stalled check hands the run on.
 *
 * Each epoch row is XADDed to the sweep's rows stream as it arrives; the job completes only after
 * every XADD was answered, so a completed job's rows are all in Redis.
 *
 * SIGINT / SIGTERM: no more runs are taken, the runs in progress finish, then it exits 0. A second
 * signal hands the runs in progress back to the queue (moved to wait, no attempt used) and exits.
 */
export async function runWorker(command: WorkerCommand, log: ProgressStream): Promise<number> {
  const me = processName();
  const say = (text: string) => log.write(`seg-bench worker ${me}: ${text}\n`);
  const keys = sweepKeys(command.name);
  const client = connect(command.target, `seg-bench worker ${me}`, (m) => say(`Redis ${m}`));
  const slots: Slot[] = [];
  const datasets = new Map<string, SegmentationDataset>();
  let releasing = false;

  const datasetFor = (settings: RunSettings): SegmentationDataset => {
    const key = JSON.stringify([settings.dataset, settings.imageSize, settings.trainImages, settings.valImages, settings.skipBad, settings.dataSeed]);
    const known = datasets.get(key);
    if (known) return known;
    const dataDir = EMBEDDED_DATASETS.has(settings.dataset) ? undefined : (command.dataDir ?? settings.dataDir);
    const dataset = loadDataset(settings.dataset, { ...settings, dataDir });
    if (dataset.train.length !== settings.trainImages || dataset.val.length !== settings.valImages) {
      throw new Error(
        `this worker's ${settings.dataset} data${dataDir ? ` in ${dataDir}` : ''} has ${dataset.train.length} training / ${dataset.val.length} validation images, ` +
          `the coordinator's ${settings.trainImages} / ${settings.valImages}: give this worker the same data (--data-dir)`,
      );
    }
    datasets.set(key, dataset);
    return dataset;
  };

  const processor = async (job: Job<RunJobData>, token?: string): Promise<void> => {
    const slot = slots.find((s) => !s.busy) ?? slots[slots.push({ index: slots.length, runner: undefined, busy: false }) - 1]!;
    slot.busy = true;
    const planned = job.data.spec;
    // threads are this machine's choice; they do not change the numbers (not in the run identity)
    const spec: RunSpec = { ...planned, settings: { ...planned.settings, threads: command.threads } };
    const started = performance.now();
    let published: Promise<unknown> = Promise.resolve();
    try {
      if (spec.loss.kind === 'module' && lossSourceOf(spec.loss) !== spec.lossSource) {
        throw new Error(
          `--loss-module ${spec.loss.path} on this worker is ${lossSourceOf(spec.loss)}, the coordinator's was ${spec.lossSource}: copy the same file to this machine`,
        );
      }
      const dataset = datasetFor(spec.settings);
      say(`${label(spec)}: started (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`);
      if (!slot.runner?.alive) slot.runner = new ChildRunner(slot.index);
      let reported = 0;
      const report = (epoch: number, step: number, steps: number) => {
        reported = performance.now();
        job.updateProgress({ worker: me, epoch, step, steps } satisfies RunJobProgress).catch(() => {});
      };
      report(1, 0, 0);
      try {
        await slot.runner.run(spec, dataset, {
          onStep: (epoch, step, steps) => {
            if (step === 1 || step === steps || performance.now() - reported > PROGRESS_MS) report(epoch, step, steps);
          },
          onRow: (row) => {
            published = published.then(() => client.xadd(keys.rows, '*', 'job', job.id!, 'worker', me, 'row', JSON.stringify(row)));
          },
        });
      } catch (error) {
        if (releasing && !(error instanceof RunFailed)) {
          await published.catch(() => {});
          await job.moveToWait(token);
          say(`${label(spec)}: handed back to the queue`);
          throw new WaitingError();
        }
        throw error;
      }
      await published;
      say(`${label(spec)}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      await published.catch(() => {});
      if (!(error instanceof WaitingError)) say(`${label(spec)}: failed: ${(error as Error).message}`);
      throw error;
    } finally {
      slot.busy = false;
    }
  };

  const jobsConnection = connect(command.target, `seg-bench worker ${me} jobs`, () => {});
  const worker = new Worker<RunJobData>(command.name, processor, {
    connection: jobsConnection,
    name: me,
    concurrency: command.concurrency,
    lockDuration: command.lockDuration,
    stalledInterval: command.stalledInterval,
    maxStalledCount: MAX_STALLED,
  });
  worker.on('error', () => {}); // Redis errors are reported once per outage by the connection
  say(`taking runs from queue ${command.name} on ${command.target.shown}, ${command.concurrency} at a time x ${command.threads} thread(s)`);

  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        releasing = true;
        for (const slot of slots) void slot.runner?.kill();
        return;
      }
      say(`${signal}: taking no more runs; finishing the ${slots.filter((s) => s.busy).length} in progress (send ${signal} again to hand them back to the queue)`);
      void worker
        .close()
        .catch(() => {})
        .then(async () => {
          for (const slot of slots) slot.runner?.close();
          // connections handed to BullMQ stay open on close(): they are ours to end
          jobsConnection.disconnect();
          client.disconnect();
          say('stopped');
          resolve(0);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
