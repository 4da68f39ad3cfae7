import type { ClassScores } from '@losskit/core';
import type { ResultRow } from './run/run-spec.js';

/** The metric columns of the paper's Table 2, in its order. */
const METRICS = [
  { key: 'dsc', title: 'DSC', of: (s: ClassScores) => s.dice },
  { key: 'f1', title: 'F1', of: (s: ClassScores) => s.f1 },
  { key: 'iou', title: 'IoU', of: (s: ClassScores) => s.iou },
  { key: 'loss', title: 'Loss', of: null },
  { key: 'precision', title: 'Precision', of: (s: ClassScores) => s.precision },
  { key: 'recall', title: 'Recall', of: (s: ClassScores) => s.recall },
] as const;

interface Stat {
  readonly mean: number | null;
  /** Sample standard deviation (n - 1) over seeds; 0 for a single seed. */
  readonly std: number | null;
  readonly n: number;
}

export interface SummaryRow {
  readonly experiment: string;
  readonly lossName: string;
  readonly model: string;
  readonly dataset: string;
  readonly backend: string;
  readonly epoch: number;
  readonly seeds: readonly number[];
  readonly macro: Readonly<Record<string, Stat>>;
  readonly micro: Readonly<Record<string, Stat>>;
  readonly trainImagesPerSecond: Stat;
}

function stat(values: readonly (number | null)[]): Stat {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return { mean: null, std: null, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const std = finite.length < 2 ? 0 : Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (finite.length - 1));
  return { mean, std, n: finite.length };
}

const experimentOrder = (a: string, b: string) => {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  if (Number.isInteger(na) !== Number.isInteger(nb)) return Number.isInteger(na) ? -1 : 1;
  return a.localeCompare(b);
};

/**
 * Mean ± std over seeds per (model, dataset, backend, experiment), after `epoch` (default: each
 * run's last recorded epoch, where it finished all its epochs).
 */
export function summarize(rows: readonly ResultRow[], options: { epoch?: number | undefined } = {}): SummaryRow[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    if (options.epoch === undefined ? row.epoch !== row.epochs : row.epoch !== options.epoch) continue;
    const key = [row.model, row.dataset, row.backend, row.experiment].join('|');
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()]
    .map((group): SummaryRow => {
      const first = group[0]!;
      const scores = (which: 'macro' | 'micro') =>
        Object.fromEntries(
          METRICS.map((m) => [m.key, stat(group.map((r) => (m.of === null ? r.loss : m.of(r[which]))))]),
        );
      return {
        experiment: first.experiment,
        lossName: first.lossName,
        model: first.model,
        dataset: first.dataset,
        backend: first.backend,
        epoch: first.epoch,
        seeds: group.map((r) => r.seed).sort((a, b) => a - b),
        macro: scores('macro'),
        micro: scores('micro'),
        trainImagesPerSecond: stat(group.map((r) => r.trainImagesPerSecond)),
      };
    })
    .sort(
      (a, b) =>
        a.model.localeCompare(b.model) ||
        a.dataset.localeCompare(b.dataset) ||
        a.backend.localeCompare(b.backend) ||
        experimentOrder(a.experiment, b.experiment),
    );
}

/** `mean ± std`, or the bare value where only one seed went in (a ± 0.000 would claim a spread). */
const fmt = (s: Stat, oneSeed: boolean) =>
  s.mean === null ? 'n/a' : oneSeed ? s.mean.toFixed(3) : `${s.mean.toFixed(3)} ± ${(s.std ?? 0).toFixed(3)}`;
const experimentName = (row: SummaryRow) => (/^\d+$/.test(row.experiment) ? `Experiment${row.experiment}` : row.lossName);

/** Markdown: per (model, dataset, backend) a macro and a micro table shaped like Table 2. */
export function toMarkdown(summary: readonly SummaryRow[]): string {
  const sections = new Map<string, SummaryRow[]>();
  for (const row of summary) {
    const key = `${row.model} · ${row.dataset} · ${row.backend}`;
    sections.set(key, [...(sections.get(key) ?? []), row]);
  }
  const out: string[] = [];
  for (const [title, rows] of sections) {
    const seeds = [...new Set(rows.flatMap((r) => r.seeds))].sort((a, b) => a - b);
    for (const which of ['macro', 'micro'] as const) {
      const oneSeed = seeds.length === 1;
      out.push(`### ${title} · ${which} (${oneSeed ? `seed ${seeds[0]}` : `mean ± std over seeds ${seeds.join(', ')}`})`, '');
      out.push(`| Loss function | ${METRICS.map((m) => m.title).join(' | ')} |`);
      out.push(`|---|${METRICS.map(() => '---').join('|')}|`);
      for (const row of rows) out.push(`| ${experimentName(row)} | ${METRICS.map((m) => fmt(row[which][m.key]!, oneSeed)).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function toCsv(summary: readonly SummaryRow[]): string {
  const header = ['experiment', 'loss_name', 'model', 'dataset', 'backend', 'epoch', 'seeds'];
  for (const which of ['macro', 'micro']) for (const m of METRICS) header.push(`${which}_${m.key}_mean`, `${which}_${m.key}_std`);
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [header.join(',')];
  for (const row of summary) {
    const cells = [row.experiment, row.lossName, row.model, row.dataset, row.backend, String(row.epoch), row.seeds.join(' ')];
    for (const which of ['macro', 'micro'] as const) {
      for (const m of METRICS) {
        const s = row[which][m.key]!;
        cells.push(s.mean === null ? '' : String(s.mean), s.std === null ? '' : String(s.std));
      }
    }
    lines.push(cells.map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function toJson(summary: readonly SummaryRow[]): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** Figure 9's curves as a table: mean over seeds of loss and macro IoU after each epoch. */
export function epochCurves(rows: readonly ResultRow[]): string {
  const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
  if (epochs.length < 2) return '';
  const byExperiment = new Map<string, ResultRow[]>();
  for (const row of rows) byExperiment.set(row.experiment, [...(byExperiment.get(row.experiment) ?? []), row]);
  const out = [
    '### Loss / macro IoU per epoch (mean over seeds; Figure 9)',
    '',
    `| Loss function | ${epochs.map((e) => `epoch ${e}`).join(' | ')} |`,
    `|---|${epochs.map(() => '---').join('|')}|`,
  ];
  for (const experiment of [...byExperiment.keys()].sort(experimentOrder)) {
    const group = byExperiment.get(experiment)!;
    const cells = epochs.map((e) => {
      const at = group.filter((r) => r.epoch === e);
      const loss = stat(at.map((r) => r.loss)).mean;
      const iou = stat(at.map((r) => r.macro.iou)).mean;
      return `${loss === null ? 'n/a' : loss.toFixed(3)} / ${iou === null ? 'n/a' : iou.toFixed(3)}`;
    });
    out.push(`| ${/^\d+$/.test(experiment) ? `Experiment${experiment}` : experiment} | ${cells.join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}

export const RENDERERS = { markdown: toMarkdown, csv: toCsv, json: toJson } as const;
