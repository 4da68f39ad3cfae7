import type { ClassScores } from '@losskit/core';
import type { ResultRow } from './run/run-spec.js';
import { type PairedComparison, holm, pairedComparison } from './statistics/paired.js';

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
  /** This experiment against the baseline (Experiment 1, CE) on macro IoU, paired by seed; null for the baseline itself or when it did not run. */
  readonly vsBaseline: BaselineComparison | null;
}

/** The paired comparison of one experiment with the baseline, and its Holm-adjusted p-value. */
export interface BaselineComparison extends PairedComparison {
  readonly baseline: string;
  readonly metric: 'macro.iou';
  /** The paired t-test's p-value after Holm's correction over every comparison of the same model, dataset and backend. */
  readonly pHolm: number | null;
}

/** The experiment every other one is compared with: plain cross-entropy. */
export const BASELINE_EXPERIMENT = '1';

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
  const rowsOut = [...groups.values()]
    .map((group): Omit<SummaryRow, 'vsBaseline'> & { readonly group: readonly ResultRow[] } => {
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
        group,
      };
    })
    .sort(
      (a, b) =>
        a.model.localeCompare(b.model) ||
        a.dataset.localeCompare(b.dataset) ||
        a.backend.localeCompare(b.backend) ||
        experimentOrder(a.experiment, b.experiment),
    );
  return withBaselineComparisons(rowsOut);
}

/** Adds `vsBaseline` to every row: paired by seed on macro IoU, Holm-corrected per (model, dataset, backend). */
function withBaselineComparisons(rows: readonly (Omit<SummaryRow, 'vsBaseline'> & { readonly group: readonly ResultRow[] })[]): SummaryRow[] {
  const section = (r: { model: string; dataset: string; backend: string }) => [r.model, r.dataset, r.backend].join('|');
  const iouBySeed = (group: readonly ResultRow[]) => new Map(group.flatMap((r) => (r.macro.iou === null ? [] : [[r.seed, r.macro.iou] as const])));
  const baselines = new Map(rows.filter((r) => r.experiment === BASELINE_EXPERIMENT).map((r) => [section(r), iouBySeed(r.group)]));
  const paired = rows.map((r) => {
    const baseline = baselines.get(section(r));
    return r.experiment === BASELINE_EXPERIMENT || baseline === undefined ? null : pairedComparison(baseline, iouBySeed(r.group));
  });
  const adjusted = new Map<number, number | null>();
  for (const key of new Set(rows.map(section))) {
    const members = rows.flatMap((r, i) => (section(r) === key && paired[i] ? [i] : []));
    for (const [k, p] of holm(members.map((i) => paired[i]!.pT)).entries()) adjusted.set(members[k]!, p);
  }
  return rows.map(({ group: _group, ...row }, i) => {
    const c = paired[i];
    return { ...row, vsBaseline: c ? { baseline: BASELINE_EXPERIMENT, metric: 'macro.iou', ...c, pHolm: adjusted.get(i) ?? null } : null };
  });
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
    out.push(...comparisonTable(title, rows));
  }
  return out.join('\n');
}

const p3 = (p: number | null) => (p === null ? 'n/a' : p < 0.001 ? '< 0.001' : p.toFixed(3));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

/** Every experiment against the baseline on macro IoU: difference, interval, tests, power. */
function comparisonTable(title: string, rows: readonly SummaryRow[]): string[] {
  const compared = rows.filter((r) => r.vsBaseline !== null);
  if (compared.length === 0) return [];
  const n = Math.max(...compared.map((r) => r.vsBaseline!.n));
  const out = [
    `### ${title} · against Experiment${BASELINE_EXPERIMENT} (CE): macro IoU, paired by seed`,
    '',
    `Difference = experiment − Experiment${BASELINE_EXPERIMENT} over the seeds both ran (same seed: same initial weights and data order). ` +
      `p-values are two-sided; Holm corrects the paired t-test over the ${compared.filter((r) => r.vsBaseline!.pT !== null).length} testable comparisons of this table. ` +
      `With ${n} seeds the exact signed-rank test cannot go below p = ${(2 / 2 ** n).toPrecision(2)}. ` +
      'Seeds needed: for 80 % power at a 5 % level, if the true difference were the one observed.',
    '',
    '| Loss function | seeds | Δ IoU | 95 % CI | paired t p | Holm p | signed-rank p | seeds needed |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of compared) {
    const c = row.vsBaseline!;
    const ci = c.ci95 === null ? 'n/a' : `[${signed(c.ci95[0])}, ${signed(c.ci95[1])}]`;
    const diff = Number.isFinite(c.meanDiff) ? signed(c.meanDiff) : 'n/a';
    out.push(`| ${experimentName(row)} | ${c.n} | ${diff} | ${ci} | ${p3(c.pT)} | ${p3(c.pHolm)} | ${p3(c.pWilcoxon)} | ${c.seedsNeeded ?? 'n/a'} |`);
  }
  out.push('');
  return out;
}

const COMPARISON_COLUMNS: readonly (readonly [string, (c: BaselineComparison) => number | null])[] = [
  ['n', (c) => c.n],
  ['iou_diff', (c) => c.meanDiff],
  ['iou_diff_ci95_low', (c) => c.ci95?.[0] ?? null],
  ['iou_diff_ci95_high', (c) => c.ci95?.[1] ?? null],
  ['p_t', (c) => c.pT],
  ['p_holm', (c) => c.pHolm],
  ['p_signed_rank', (c) => c.pWilcoxon],
  ['seeds_needed', (c) => c.seedsNeeded],
];

export function toCsv(summary: readonly SummaryRow[]): string {
  const header = ['experiment', 'loss_name', 'model', 'dataset', 'backend', 'epoch', 'seeds'];
  for (const which of ['macro', 'micro']) for (const m of METRICS) header.push(`${which}_${m.key}_mean`, `${which}_${m.key}_std`);
  header.push(...COMPARISON_COLUMNS.map(([name]) => `vs_baseline_${name}`));
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
    for (const [, of] of COMPARISON_COLUMNS) {
      const v = row.vsBaseline === null ? null : of(row.vsBaseline);
      cells.push(v === null || !Number.isFinite(v) ? '' : String(v));
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
