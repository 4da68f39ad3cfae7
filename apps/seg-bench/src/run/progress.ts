import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ResultRow, RunSpec } from './run-spec.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

interface Active {
  label: string;
  epoch: number;
  step: number;
  steps: number;
  epochs: number;
  bar: SingleBar | undefined;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const runLabel = (run: RunSpec) => `exp ${run.experiment} ${run.model} seed ${run.seed}`;

/** The live view's lines: the sweep, then one per run in flight (where it runs, its epoch and step). */
const SWEEP_FORMAT = '{bar} {value}/{total} runs | {percentage}% | ETA {eta_text}';
const RUN_FORMAT = '{bar} {label} | epoch {epoch}/{epochs} step {step}/{steps}';

/**
 * Progress of a benchmark. On a TTY a live view (cli-progress): a bar of runs done/total with an
 * ETA, and a bar per run in flight naming its worker (host:pid in queue mode), epoch and step.
 * Otherwise one plain log line per finished epoch. The ETA is elapsed x (1 - f) / f, where f
 * counts finished runs and the finished steps of runs in flight.
 */
export class Progress {
  private done = 0;
  private readonly active = new Map<string, Active>();
  private readonly started = performance.now();
  private readonly live: MultiBar | undefined;
  private readonly sweep: SingleBar | undefined;
  private readonly quiet: boolean;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream,
    mode: 'auto' | 'plain' | 'none',
  ) {
    this.quiet = mode === 'none';
    if (mode === 'auto' && stream.isTTY === true) {
      this.live = new MultiBar(
        {
          stream: stream as unknown as NodeJS.WritableStream,
          clearOnComplete: true,
          hideCursor: false, // an interrupted run (Ctrl-C) must not leave the cursor hidden
          gracefulExit: false,
          barsize: 16,
          fps: 10,
          linewrap: false,
        },
        Presets.shades_classic,
      );
      this.sweep = this.live.create(total, 0, { eta_text: '?' }, { format: SWEEP_FORMAT });
    }
  }

  /** Finished fraction, counting the steps of runs in flight. */
  private fraction(): number {
    let partial = 0;
    for (const a of this.active.values()) partial += a.steps > 0 ? (a.epoch - 1 + a.step / a.steps) / a.epochs : 0;
    return this.total === 0 ? 1 : (this.done + partial) / this.total;
  }

  eta(): string {
    const fraction = this.fraction();
    const elapsed = (performance.now() - this.started) / 1000;
    return fraction > 0 ? formatDuration((elapsed / fraction) * (1 - fraction)) : '?';
  }

  /** A run began in `slot` (a local worker, a queue job); `where` names the remote worker. */
  start(slot: string, run: RunSpec, where?: string): void {
    this.drop(slot);
    const label = where === undefined ? runLabel(run) : `${where} ${runLabel(run)}`;
    const a: Active = { label, epoch: 1, step: 0, steps: 0, epochs: run.settings.epochs, bar: undefined };
    a.bar = this.live?.create(1, 0, this.payload(a), { format: RUN_FORMAT });
    this.active.set(slot, a);
    this.redraw();
  }

  step(slot: string, epoch: number, step: number, steps: number): void {
    const a = this.active.get(slot);
    if (!a) return;
    Object.assign(a, { epoch, step, steps });
    this.redraw();
  }

  row(row: ResultRow): void {
    if (this.live || this.quiet) return;
    const iou = row.macro.iou === null || Number.isNaN(row.macro.iou) ? '-' : row.macro.iou.toFixed(3);
    this.stream.write(
      `exp ${row.experiment} ${row.model} seed ${row.seed} epoch ${row.epoch}/${row.epochs}: ` +
        `loss ${row.loss === null ? 'non-finite' : row.loss.toFixed(4)}, macro IoU ${iou}, ` +
        `${row.trainImagesPerSecond.toFixed(1)} img/s; ${this.done}/${this.total} runs done, ETA ${this.eta()}\n`,
    );
  }

  finish(slot: string, failure?: string, run?: RunSpec): void {
    const a = this.active.get(slot);
    this.drop(slot);
    this.done++;
    if (failure !== undefined) this.note(`run failed: ${a?.label ?? (run ? runLabel(run) : '?')}: ${failure}`);
    this.redraw();
  }

  /** A run that left its slot without finishing (its worker died; it is handed on). */
  drop(slot: string): void {
    const bar = this.active.get(slot)?.bar;
    if (bar) this.live!.remove(bar);
    this.active.delete(slot);
  }

  /** A log line between the progress output (above the live view on a TTY). */
  note(text: string): void {
    if (this.quiet) return;
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.live) this.live.log(line);
    else this.stream.write(line);
  }

  private payload(a: Active) {
    return { label: a.label, epoch: a.epoch, epochs: a.epochs, step: a.step, steps: a.steps || '?' };
  }

  private redraw(): void {
    if (!this.live) return;
    for (const a of this.active.values()) {
      const value = a.steps > 0 ? (a.epoch - 1 + a.step / a.steps) / a.epochs : 0;
      a.bar?.update(value, this.payload(a));
    }
    this.sweep!.update(this.done, { eta_text: this.eta() });
  }

  /** Ends the live view (idempotent); the benchmark calls it on every way out. */
  close(): void {
    this.live?.stop();
  }

  end(): void {
    this.close();
    if (!this.quiet) {
      this.stream.write(`${this.done}/${this.total} runs in ${formatDuration((performance.now() - this.started) / 1000)}\n`);
    }
  }
}
