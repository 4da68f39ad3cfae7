import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueOptions } from '../args.js';
import { parseResultsText } from '../results/read-results.js';
import { runRowKeys } from '../run/benchmark.js';
import type { ExecutorEvents, RunExecutor } from '../run/executor.js';
import { RUN_IDENTITY, type ResultRow, type RunSpec, identityOf, rowKey } from '../run/run-spec.js';
import { connect } from './connection.js';
import { CoordinatorLock } from './coordinator-lock.js';
import { type RunJobData, type RunJobProgress, identityText, jobIdOf, processName, sweepKeys } from './sweep.js';

/** One entry of XREADGROUP's reply: its id and its field/value list (null once deleted). */
type StreamEntry = [id: string, fields: string[] | null];

export interface CoordinatorOptions {
  /** --fresh: empty the queue and its rows stream before enqueueing. */
  readonly fresh: boolean;
  /** The results file, named in the coordinator key so a second coordinator learns whose it is. */
  readonly out: string;
  /** How long one blocking read of the rows stream waits (ms); job states are checked between reads. */
  readonly pollMs?: number;
}

/**
 * The coordinator of a queue sweep (`seg-bench --queue URL`): it enqueues each run as a BullMQ job
 * whose id is the run key, then writes the rows the workers publish on the sweep's Redis stream.
 *
 * Exactly once, from at-least-once delivery: a worker XADDs each epoch row before its job can
 * complete; the coordinator reads the stream through a consumer group, appends each row to the
 * results file (fsync'd) and only then XACKs and deletes it. A coordinator killed between the two
 * leaves the row pending in the group; its successor reads the pending rows first, and the results
 * file, keyed by (run, epoch), does not write a row it holds already. A run whose worker died is
 * given to another worker by BullMQ's stalled-job check and trained again from epoch 1 (same seed,
 * same numbers); its repeated rows are dropped the same way.
 *
 * Between reads it looks at the state of every unfinished run: failed (attempts used up) is
 * reported; completed with rows still missing after the stream was read to its end (rows lost
 * with a Redis that crashed without persistence) is run again; gone from the queue is enqueued
 * again. A run is finished when all its rows are in the results file.
 */
export class QueueCoordinator implements RunExecutor {
  private readonly where: string;
  private readonly keys;
  private readonly pollMs: number;

  constructor(
    private readonly queue: QueueOptions,
    private readonly options: CoordinatorOptions,
  ) {
    this.where = `queue ${queue.name} on ${queue.target.shown}`;
    this.keys = sweepKeys(queue.name);
    this.pollMs = options.pollMs ?? 1000;
  }

  describe(): string {
    return `${this.where}: runs go to 'seg-bench worker --queue' processes (${this.queue.attempts} attempt(s) each)`;
  }

  async execute(runs: readonly RunSpec[], _dataset: unknown, events: ExecutorEvents): Promise<void> {
    const me = processName();
    const onError = (message: string) => events.log(`seg-bench: Redis ${message}`);
    const client = connect(this.queue.target, `seg-bench coordinator ${me}`, onError);
    const reader = connect(this.queue.target, `seg-bench coordinator ${me} rows`, onError);
    const queue = new Queue<RunJobData>(this.queue.name, { connection: client });
    queue.on('error', () => {}); // reported once by the connection
    const eventsConnection = connect(this.queue.target, `seg-bench coordinator ${me} events`, () => {});
    let queueEvents: QueueEvents | undefined;
    let lock: CoordinatorLock | undefined;
    try {
      lock = await CoordinatorLock.acquire(client, this.keys.coordinator, this.options.out, this.where);
      if (this.options.fresh) {
        await queue.obliterate({ force: true });
        await client.del(this.keys.rows);
      }
      await this.ensureGroup(client);
      const byId = new Map(runs.map((run) => [jobIdOf(run), run]));
      await this.enqueue(queue, byId, events);

      queueEvents = new QueueEvents(this.queue.name, { connection: eventsConnection });
      queueEvents.on('error', () => {});
      const outstanding = new Set(byId.keys());
      this.followProgress(queueEvents, byId, outstanding, events);

      const stream = { backlog: true };
      for (;;) {
        // states first, then the stream to its end: a job seen completed has XADDed all its rows before
        const ids = [...outstanding];
        const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
        await this.readRows(reader, client, stream, byId, events, false);
        for (const [i, id] of ids.entries()) {
          const run = byId.get(id)!;
          if (runRowKeys(run).every((key) => events.written(key))) {
            outstanding.delete(id);
            events.onDone(id, run);
            continue;
          }
          await this.settle(queue, id, run, states[i]!, outstanding, events);
        }
        if (outstanding.size === 0) break;
        await this.readRows(reader, client, stream, byId, events, true);
      }
      // every run is accounted for: leave the queue empty for the next sweep
      await Promise.all([...byId.keys()].map((id) => queue.remove(id).catch(() => 0)));
    } finally {
      await queueEvents?.close().catch(() => {});
      await lock?.release().catch(() => {});
      await queue.close().catch(() => {});
      // connections handed to BullMQ stay open on close(): they are ours to end
      for (const connection of [eventsConnection, reader, client]) connection.disconnect();
    }
  }

  /** Acts on an unfinished run's job state (see the class comment). */
  private async settle(queue: Queue<RunJobData>, id: string, run: RunSpec, state: string, outstanding: Set<string>, events: ExecutorEvents): Promise<void> {
    const label = `experiment ${run.experiment} ${run.model} seed ${run.seed}`;
    if (state === 'failed') {
      const job = await queue.getJob(id);
      outstanding.delete(id);
      events.onFailed(id, run, `${job?.failedReason ?? 'failed'} (after ${job?.attemptsMade ?? '?'} attempt(s) through ${this.where})`);
    } else if (state === 'completed') {
      events.log(`seg-bench: ${label}: its job completed but rows are missing (lost with Redis data?); running it again`);
      await (await queue.getJob(id))?.retry('completed', { resetAttemptsMade: true });
    } else if (state === 'unknown') {
      events.log(`seg-bench: ${label}: not in ${this.where} any more (Redis lost it?); queued again`);
      await this.add(queue, [run]);
    }
  }

  private add(queue: Queue<RunJobData>, runs: readonly RunSpec[]) {
    return queue.addBulk(
      runs.map((spec) => ({
        name: 'run',
        data: { spec },
        // no removeOnComplete/removeOnFail: a finished job keeps its id, so enqueueing it again is a no-op
        opts: { jobId: jobIdOf(spec), attempts: this.queue.attempts },
      })),
    );
  }

  /**
   * Enqueues the runs not in the queue yet. A job already there under the same run key is kept
   * when its settings are this run's (a restarted coordinator) and refused otherwise; a failed one
   * gets its attempts back (rerunning the command retries failed runs, as without a queue).
   */
  private async enqueue(queue: Queue<RunJobData>, byId: ReadonlyMap<string, RunSpec>, events: ExecutorEvents): Promise<void> {
    const missing: RunSpec[] = [];
    let kept = 0;
    for (const [id, run] of byId) {
      const job = await queue.getJob(id);
      if (!job) {
        missing.push(run);
        continue;
      }
      if (identityText(job.data.spec) !== identityText(run)) {
        const there = identityOf(job.data.spec) as Record<string, unknown>;
        const now = identityOf(run) as Record<string, unknown>;
        const setting = RUN_IDENTITY.find((s) => JSON.stringify(there[s.field]) !== JSON.stringify(now[s.field]));
        throw new Error(
          `${this.where} holds run ${id} with other settings${setting ? ` (${setting.flag} ${JSON.stringify(there[setting.field])} there, ${JSON.stringify(now[setting.field])} now)` : ''}: ` +
            'finish that sweep by rerunning its command, pass --fresh to empty the queue, or use another --queue-name',
        );
      }
      kept++;
      if ((await job.getState()) === 'failed') await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    await this.add(queue, missing);
    events.log(`seg-bench: ${this.where}: ${missing.length} run(s) queued, ${kept} queued already`);
  }

  private async ensureGroup(client: Redis): Promise<void> {
    try {
      await client.xgroup('CREATE', this.keys.rows, this.keys.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error as Error).message.startsWith('BUSYGROUP')) throw error;
    }
  }

  /**
   * Reads rows from the stream: first the ones delivered to an earlier coordinator and never
   * acknowledged (id 0), then new ones ('>'). Non-blocking: until the stream is read to its end;
   * blocking: one read that waits up to pollMs.
   */
  private async readRows(
    reader: Redis,
    client: Redis,
    stream: { backlog: boolean },
    byId: ReadonlyMap<string, RunSpec>,
    events: ExecutorEvents,
    block: boolean,
  ): Promise<void> {
    const { rows, group, consumer } = this.keys;
    for (;;) {
      const from = stream.backlog ? '0' : '>';
      let reply: [string, StreamEntry[]][] | null;
      try {
        reply = (await (block && !stream.backlog
          ? reader.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', this.pollMs, 'STREAMS', rows, from)
          : reader.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'STREAMS', rows, from))) as [string, StreamEntry[]][] | null;
      } catch (error) {
        // a Redis restarted without its data has no group: make it again and read what comes
        if (!(error as Error).message.startsWith('NOGROUP')) throw error;
        await this.ensureGroup(client);
        stream.backlog = false;
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        if (!stream.backlog) return;
        stream.backlog = false;
        continue;
      }
      for (const [entry, fields] of entries) {
        if (fields) this.writeRow(entry, fields, byId, events);
      }
      // acknowledged only now: every row of this batch is on disk (fsync'd in onRow)
      const ids = entries.map(([entry]) => entry);
      await client.multi().xack(rows, group, ...ids).xdel(rows, ...ids).exec();
      if (block) return;
    }
  }

  private writeRow(entry: string, fields: string[], byId: ReadonlyMap<string, RunSpec>, events: ExecutorEvents): void {
    const value: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) value[fields[i]!] = fields[i + 1]!;
    const run = value.job === undefined ? undefined : byId.get(value.job);
    if (!run || value.row === undefined) return; // a row of another sweep's run: not this results file's
    const row: ResultRow | undefined = parseResultsText(`${value.row}\n`, `${this.keys.rows} entry ${entry}`).rows[0];
    if (!row) return;
    const identity = identityOf(run) as Record<string, unknown>;
    const mismatch = RUN_IDENTITY.find((s) => (row as unknown as Record<string, unknown>)[s.field] !== identity[s.field]);
    if (mismatch || !runRowKeys(run).includes(rowKey(row))) {
      events.log(`seg-bench: dropped a row of ${value.job} from ${value.worker ?? '?'} made with other settings (${mismatch?.flag ?? 'its key'})`);
      return;
    }
    if (!events.written(rowKey(row))) events.onRow(value.job!, row);
  }

  /** The live view: which worker has which run, at which epoch and step. */
  private followProgress(queueEvents: QueueEvents, byId: ReadonlyMap<string, RunSpec>, outstanding: ReadonlySet<string>, events: ExecutorEvents): void {
    const at = new Map<string, string>();
    queueEvents.on('progress', ({ jobId, data }) => {
      // an event may arrive after the run's last row was written: the run is done, not started again
      const run = outstanding.has(jobId) ? byId.get(jobId) : undefined;
      const progress = data as RunJobProgress;
      if (!run || typeof progress !== 'object' || typeof progress.worker !== 'string') return;
      if (at.get(jobId) !== progress.worker) {
        at.set(jobId, progress.worker);
        events.onStart(jobId, run, progress.worker);
      }
      events.onStep(jobId, progress.epoch, progress.step, progress.steps);
    });
    queueEvents.on('stalled', ({ jobId }) => {
      const run = outstanding.has(jobId) ? byId.get(jobId) : undefined;
      if (!run) return;
      events.log(`seg-bench: experiment ${run.experiment} ${run.model} seed ${run.seed}: worker ${at.get(jobId) ?? '?'} stopped answering; the run goes to another worker`);
      at.delete(jobId);
    });
  }
}
