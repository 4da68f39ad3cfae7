import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseResultsText } from '@losskit/seg-bench/results';
import type { Analysis } from '../analysis.js';
import { type Figure, vegaLite } from '../render/figure.js';
import { escapeHtml } from '../render/html.js';

/** Fields that identify a run or describe its settings, never metrics. */
const IDENTITY = ['experiment', 'lossName', 'model', 'dataset', 'backend', 'seed', 'epoch', 'lossSource', 'ema'];
const SETTINGS = new Set([
  'epochs',
  'imageSize',
  'batchSize',
  'trainImages',
  'valImages',
  'learningRate',
  'width',
  'depth',
  'dataSeed',
  'trainSeconds',
  'trainImagesPerSecond',
]);

export interface ResultLine {
  readonly run: { experiment: string; model: string; dataset: string; backend: string; seed: number; epoch: number };
  /** numeric metrics, nested objects flattened with dots (macro.iou) */
  readonly metrics: Readonly<Record<string, number>>;
}

function flatten(value: unknown, prefix: string, out: Record<string, number>): void {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
}

/**
 * Parses a seg-bench results file (JSON lines) with seg-bench's own reader, so both apps treat a
 * byte order mark, a torn last line and lines that are not rows the same way; errors name the
 * line and what was wrong.
 */
export function parseResults(text: string, source = 'results'): ResultLine[] {
  return parseResultsText(text, source).rows.map((row) => {
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) if (!IDENTITY.includes(k) && !SETTINGS.has(k)) flatten(v, k, metrics);
    const { experiment, model, dataset, backend, seed, epoch } = row;
    return { run: { experiment, model, dataset, backend, seed, epoch }, metrics };
  });
}

export interface SeedSummary {
  readonly experiment: string;
  readonly group: string;
  readonly metric: string;
  readonly seeds: number[];
  readonly mean: number;
  /** sample standard deviation over seeds (n - 1); null with a single seed */
  readonly std: number | null;
}

/** Last epoch of each run, then mean and standard deviation over seeds per experiment and group. */
export function summarizeSeeds(lines: readonly ResultLine[]): SeedSummary[] {
  const last = new Map<string, ResultLine>();
  for (const l of lines) {
    const { experiment, model, dataset, backend, seed } = l.run;
    const key = [experiment, model, dataset, backend, seed].join('|');
    const seen = last.get(key);
    if (!seen || l.run.epoch > seen.run.epoch) last.set(key, l);
  }
  const buckets = new Map<string, { experiment: string; group: string; metric: string; seeds: number[]; values: number[] }>();
  for (const l of last.values()) {
    const group = [l.run.model, l.run.dataset, l.run.backend].filter((s) => s !== '-').join(' · ') || 'all runs';
    for (const [metric, v] of Object.entries(l.metrics)) {
      const key = [l.run.experiment, group, metric].join('|');
      const b = buckets.get(key) ?? { experiment: l.run.experiment, group, metric, seeds: [], values: [] };
      b.seeds.push(l.run.seed);
      b.values.push(v);
      buckets.set(key, b);
    }
  }
  return [...buckets.values()].map((b) => {
    const mean = b.values.reduce((s, v) => s + v, 0) / b.values.length;
    const std =
      b.values.length < 2 ? null : Math.sqrt(b.values.reduce((s, v) => s + (v - mean) ** 2, 0) / (b.values.length - 1));
    return { experiment: b.experiment, group: b.group, metric: b.metric, seeds: b.seeds, mean, std };
  });
}

/** Mean over seeds of each metric at every epoch, per experiment and group (Fig. 9's curves). */
function epochMeans(lines: readonly ResultLine[]): { experiment: string; group: string; metric: string; epoch: number; mean: number; seeds: number }[] {
  const buckets = new Map<string, { experiment: string; group: string; metric: string; epoch: number; values: number[] }>();
  for (const l of lines) {
    const group = [l.run.model, l.run.dataset, l.run.backend].filter((s) => s !== '-').join(' · ') || 'all runs';
    for (const [metric, v] of Object.entries(l.metrics)) {
      const key = [l.run.experiment, group, metric, l.run.epoch].join('|');
      const b = buckets.get(key) ?? { experiment: l.run.experiment, group, metric, epoch: l.run.epoch, values: [] };
      b.values.push(v);
      buckets.set(key, b);
    }
  }
  return [...buckets.values()].map((b) => ({
    experiment: b.experiment,
    group: b.group,
    metric: b.metric,
    epoch: b.epoch,
    mean: b.values.reduce((s, v) => s + v, 0) / b.values.length,
    seeds: b.values.length,
  }));
}

/** The metrics of Fig. 9 (loss, IoU) under the names seg-bench writes, first match wins. */
const FIGURE_METRICS = [['loss'], ['macro.iou', 'iou', 'micro.iou']];

/** experiment names sort by their number where they have one (experiment2 < experiment10) */
const experimentOrder = (a: string, b: string) => {
  const na = Number(/(\d+)\s*$/.exec(a)?.[1] ?? Number.NaN);
  const nb = Number(/(\d+)\s*$/.exec(b)?.[1] ?? Number.NaN);
  return Number.isNaN(na) || Number.isNaN(nb) || na === nb ? a.localeCompare(b) : na - nb;
};

export function seedAnalysis(resultsPath?: string): Analysis {
  const title = '8. Seed analysis';
  const about =
    'Fig. 9 of the paper: how much each experiment depends on the random seed. From a seg-bench results file (one JSON line per experiment, model, dataset, seed and epoch) the last epoch of every run is taken, and the mean and the sample standard deviation over the seeds are drawn per experiment as a bar with an error bar of ± one standard deviation.';
  if (!resultsPath)
    return {
      id: 'seeds',
      title,
      summary: about,
      figures: [],
      html: '<div class="missing" id="no-results"><strong>No results file given.</strong> Run the benchmark (<code>pnpm bench</code>) and pass its results file: <code>pnpm lab --results path/to/results.jsonl</code>. Nothing is drawn without real runs.</div>',
    };
  const hint = 'run the benchmark first (pnpm bench writes apps/seg-bench/results/synthetic-onnx.jsonl) and pass that file';
  if (!existsSync(resultsPath) || !statSync(resultsPath).isFile()) throw new Error(`--results ${resultsPath}: no such results file; ${hint}`);
  const lines = parseResults(readFileSync(resultsPath, 'utf8'), resultsPath);
  if (lines.length === 0) throw new Error(`--results ${resultsPath}: the file holds no results rows; ${hint}`);
  const summaries = summarizeSeeds(lines);
  const available = new Set(summaries.map((s) => s.metric));
  const shown = FIGURE_METRICS.map((names) => names.find((m) => available.has(m))).filter((m): m is string => !!m);
  const experiments = [...new Set(summaries.map((s) => s.experiment))].sort(experimentOrder);
  const rows = summaries
    .filter((s) => shown.includes(s.metric))
    .map((s) => ({
      experiment: s.experiment,
      group: s.group,
      metric: s.metric,
      mean: s.mean,
      std: s.std,
      low: s.std === null ? s.mean : s.mean - s.std,
      high: s.std === null ? s.mean : s.mean + s.std,
      seeds: s.seeds.length,
    }));
  const figure: Figure = {
    name: 'seed-bars',
    title: 'Fig. 9: mean ± standard deviation over seeds, per experiment',
    caption: `From ${escapeHtml(resultsPath)}: ${lines.length} lines, ${experiments.length} experiments; last epoch of each run. Rows: ${shown.join(', ')}.`,
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: rows },
      facet: {
        row: { field: 'metric', type: 'nominal', title: null, sort: shown },
        column: { field: 'group', type: 'nominal', title: null },
      },
      spec: {
        width: Math.max(240, 16 * experiments.length),
        height: 160,
        layer: [
          {
            mark: { type: 'bar', color: '#3b6ea8' },
            encoding: {
              x: { field: 'experiment', type: 'nominal', sort: experiments, title: null, axis: { labelAngle: -60 } },
              y: { field: 'mean', type: 'quantitative', title: 'mean', scale: { zero: false } },
            },
          },
          {
            mark: { type: 'rule', color: '#111' },
            encoding: {
              x: { field: 'experiment', type: 'nominal', sort: experiments },
              y: { field: 'low', type: 'quantitative' },
              y2: { field: 'high' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    }),
    rows,
  };
  const curveRows = epochMeans(lines)
    .filter((r) => shown.includes(r.metric))
    .sort((a, b) => experimentOrder(a.experiment, b.experiment) || a.epoch - b.epoch);
  const curves: Figure = {
    name: 'epoch-curves',
    title: 'Fig. 9: mean over seeds at every epoch',
    caption: 'Each line is one experiment: the metric after each epoch, averaged over the seeds that reached it.',
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: curveRows },
      facet: {
        row: { field: 'metric', type: 'nominal', title: null, sort: shown },
        column: { field: 'group', type: 'nominal', title: null },
      },
      spec: {
        width: 320,
        height: 160,
        mark: { type: 'line', point: { size: 12 } },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
          y: { field: 'mean', type: 'quantitative', title: 'mean over seeds', scale: { zero: false } },
          color: { field: 'experiment', type: 'nominal', sort: experiments, scale: { scheme: 'category20' } },
        },
      },
      resolve: { scale: { y: 'independent' } },
    }),
    rows: curveRows,
  };
  const metrics = [...available].sort();
  const groups = [...new Set(summaries.map((s) => s.group))];
  const byKey = new Map(summaries.map((s) => [[s.experiment, s.group, s.metric].join('|'), s]));
  const tableRows = groups.flatMap((g) =>
    experiments.map((e) => [
      e,
      g,
      ...metrics.map((m) => {
        const s = byKey.get([e, g, m].join('|'));
        return s ? `${s.mean.toFixed(4)} ± ${s.std === null ? '—' : s.std.toFixed(4)} (${s.seeds.length})` : '—';
      }),
    ]),
  );
  return {
    id: 'seeds',
    title,
    summary: about,
    figures: [figure, curves],
    tables: [{ title: 'mean ± std (number of seeds), last epoch', columns: ['experiment', 'group', ...metrics], rows: tableRows }],
    data: summaries,
  };
}
