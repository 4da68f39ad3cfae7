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
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const runLabel = (run: RunSpec) => `exp ${run.experiment} ${run.model} seed ${run.seed}`;

/**
 * Progress of a benchmark: on a TTY one live line (runs done/total, each worker's run with its
 * epoch and step, ETA); otherwise one plain log line per finished epoch.
 */
export class Progress {
  private done = 0;
  private readonly active = new Map<string, Active>();
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly live: boolean;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream,
    mode: 'auto' | 'plain' | 'none',
  ) {
    this.live = mode === 'auto' && stream.isTTY === true;
    this.quiet = mode === 'none';
  }

  private readonly quiet: boolean;

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

  start(worker: string, run: RunSpec, where?: string): void {
    const label = where === undefined ? runLabel(run) : `${where} ${runLabel(run)}`;
    this.active.set(worker, { label, epoch: 1, step: 0, steps: 0, epochs: run.settings.epochs });
    this.draw(true);
  }

  step(worker: string, epoch: number, step: number, steps: number): void {
    const a = this.active.get(worker);
    if (!a) return;
    Object.assign(a, { epoch, step, steps });
    this.draw(false);
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

  finish(worker: string, failure?: string, run?: RunSpec): void {
    const a = this.active.get(worker);
    this.active.delete(worker);
    this.done++;
    if (failure !== undefined && !this.quiet) {
      this.clear();
      this.stream.write(`run failed: ${a?.label ?? (run ? runLabel(run) : '?')}: ${failure}\n`);
    }
    this.draw(true);
  }

  /** A run that left its worker without finishing (handed on to another). */
  drop(worker: string): void {
    if (this.active.delete(worker)) this.draw(true);
  }

  /** A log line between the progress output. */
  note(text: string): void {
    if (this.quiet) return;
    this.clear();
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
    this.draw(true);
  }

  private clear(): void {
    if (this.live) this.stream.write('\r\x1b[2K');
  }

  private draw(force: boolean): void {
    if (!this.live) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const runs = [...this.active.values()]
      .map((a) => `${a.label} e${a.epoch}/${a.epochs} s${a.step}/${a.steps || '?'}`)
      .join(' | ');
    const percent = Math.floor(this.fraction() * 100);
    // the ETA goes before the runs so a narrow terminal cuts the runs, not the ETA
    const width = (this.stream.columns ?? 120) - 1;
    this.stream.write(`\r\x1b[2K${`[${this.done}/${this.total}] ${percent}% ETA ${this.eta()} | ${runs}`.slice(0, width)}`);
  }

  end(): void {
    if (this.live) this.stream.write('\r\x1b[2K');
    if (!this.quiet) {
      this.stream.write(`${this.done}/${this.total} runs in ${formatDuration((performance.now() - this.started) / 1000)}\n`);
    }
  }
}
