import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseResultsText } from '@losskit/seg-bench/results';
import type { Analysis, Table } from '../analysis.js';
import { type Figure, vegaLite } from '../render/figure.js';
import { escapeHtml } from '../render/html.js';
import { seriesEncoding } from '../render/series-style.js';

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

/**
 * How each metric of Fig. 9 is labelled. The bench's `loss` is the training objective
 * CE + term, and the term differs by experiment (its scale too: Eq. (6) adds a square root,
 * Experiment 1 adds nothing), so the loss bars say that they are not comparable.
 */
const METRIC_LABELS: Readonly<Record<string, string>> = {
  loss: 'loss = CE + term (terms differ: not comparable)',
  'macro.iou': 'macro IoU (validation)',
  iou: 'IoU (validation)',
  'micro.iou': 'micro IoU (validation)',
};
const metricLabel = (m: string) => METRIC_LABELS[m] ?? m;

/**
 * Table 2 of the paper: one seed (250, "U-Net on ATR dataset with Seed 250"), last epoch,
 * columns DSC, F1, IoU, Loss, Precision, Recall. Its DSC = F1 = precision = recall in every row
 * is what micro averaging gives (docs/paper.md §8), so the counterpart shows micro averages;
 * metric names as seg-bench writes them, first match wins.
 */
const TABLE2_COLUMNS: readonly { readonly label: string; readonly names: readonly string[] }[] = [
  { label: 'DSC (micro)', names: ['micro.dice', 'micro.dsc'] },
  { label: 'F1 (micro)', names: ['micro.f1'] },
  { label: 'IoU (micro)', names: ['micro.iou'] },
  { label: 'Loss (CE + term)', names: ['loss'] },
  { label: 'Precision (micro)', names: ['micro.precision'] },
  { label: 'Recall (micro)', names: ['micro.recall'] },
];
const TABLE2_SEED = 250;

/** experiment names sort by their number where they have one (experiment2 < experiment10) */
const experimentOrder = (a: string, b: string) => {
  const na = Number(/(\d+)\s*$/.exec(a)?.[1] ?? Number.NaN);
  const nb = Number(/(\d+)\s*$/.exec(b)?.[1] ?? Number.NaN);
  return Number.isNaN(na) || Number.isNaN(nb) || na === nb ? a.localeCompare(b) : na - nb;
};

const groupOf = (l: ResultLine) => [l.run.model, l.run.dataset, l.run.backend].filter((s) => s !== '-').join(' · ') || 'all runs';

/** The Table-2 counterpart of each group: one seed's last epoch, micro averages. */
export function table2Counterparts(lines: readonly ResultLine[], seed = TABLE2_SEED): Table[] {
  const groups = [...new Set(lines.map(groupOf))];
  return groups.map((group) => {
    const inGroup = lines.filter((l) => groupOf(l) === group);
    const seeds = [...new Set(inGroup.map((l) => l.run.seed))].sort((a, b) => a - b);
    // the paper's seed where the file has it, else the smallest (said in the caption)
    const chosen = seeds.includes(seed) ? seed : seeds[0]!;
    const last = new Map<string, ResultLine>();
    for (const l of inGroup)
      if (l.run.seed === chosen && (last.get(l.run.experiment)?.run.epoch ?? -1) < l.run.epoch) last.set(l.run.experiment, l);
    const experiments = [...last.keys()].sort(experimentOrder);
    const rows = experiments.map((e) => {
      const l = last.get(e)!;
      const cells = TABLE2_COLUMNS.map(({ names }) => {
        const name = names.find((n) => n in l.metrics);
        return name === undefined ? null : l.metrics[name]!;
      });
      const name = /^\d+$/.test(e) ? `Experiment${e}` : e;
      return [name, l.run.epoch, ...cells];
    });
    const note = chosen === seed ? `seed ${seed} as in the paper` : `seed ${chosen}: the file has no seed ${seed}, the paper's`;
    return {
      title: `Table 2 counterpart: ${group}, ${note}, last epoch. DSC, F1, IoU, precision and recall are micro averages (summed counts over classes, so DSC = F1 = precision = recall = pixel accuracy, as in every row of the paper's Table 2; then IoU = DSC / (2 − DSC) < DSC, unlike the paper's). Loss: the training objective CE + term, mean over the epoch's steps.`,
      columns: ['loss function', 'epoch', ...TABLE2_COLUMNS.map((c) => c.label)],
      rows,
    };
  });
}

/** The mean ± std table, split by group and by metric family (macro., micro., the rest) so it fits the page. */
function summaryTables(summaries: readonly SeedSummary[], experiments: readonly string[]): Table[] {
  const groups = [...new Set(summaries.map((s) => s.group))];
  const familyOf = (m: string) => (m.includes('.') ? m.slice(0, m.indexOf('.')) : '');
  const families = [...new Set(summaries.map((s) => familyOf(s.metric)))].sort();
  const byKey = new Map(summaries.map((s) => [[s.experiment, s.group, s.metric].join('|'), s]));
  return groups.flatMap((g) =>
    families.map((family) => {
      const metrics = [...new Set(summaries.filter((s) => s.group === g && familyOf(s.metric) === family).map((s) => s.metric))].sort();
      const rows = experiments.map((e) => {
        const seeds = byKey.get([e, g, metrics[0]].join('|'))?.seeds.length ?? 0;
        return [
          e,
          seeds,
          ...metrics.map((m) => {
            const s = byKey.get([e, g, m].join('|'));
            return s ? `${s.mean.toFixed(4)} ± ${s.std === null ? '—' : s.std.toFixed(4)}` : '—';
          }),
        ];
      });
      return {
        title: `${g}: ${family === '' ? 'loss and other metrics' : `${family} averages`}, mean ± sample std over seeds, last epoch`,
        columns: ['experiment', 'seeds', ...metrics.map((m) => (family === '' ? m : m.slice(family.length + 1)))],
        rows,
      };
    }),
  );
}

export function seedAnalysis(resultsPath?: string): Analysis {
  const title = '8. Seed analysis';
  const about =
    "Fig. 9 of the paper: how much each experiment depends on the random seed. From a seg-bench results file (one JSON line per experiment, model, dataset, seed and epoch) the last epoch of every run is taken, and the mean and the sample standard deviation over the seeds are drawn per experiment as a bar with an error bar of ± one standard deviation.\n\nThe loss bars are the training objective CE + term, and the term differs by experiment (Experiment 1 adds nothing, Eq. (6) adds a square root, the exponential terms add A·L1·e^{…}): their heights are not comparable across experiments, only the IoU bars are. Below, each experiment's curve has a colour and a dash of its own, and the Table-2 counterpart gives one seed's numbers in the paper's columns.";
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
  const shownLabels = shown.map(metricLabel);
  const experiments = [...new Set(summaries.map((s) => s.experiment))].sort(experimentOrder);
  const rows = summaries
    .filter((s) => shown.includes(s.metric))
    .map((s) => ({
      experiment: s.experiment,
      group: s.group,
      metric: s.metric,
      quantity: metricLabel(s.metric),
      mean: s.mean,
      std: s.std,
      low: s.std === null ? s.mean : s.mean - s.std,
      high: s.std === null ? s.mean : s.mean + s.std,
      seeds: s.seeds.length,
    }));
  const groups = [...new Set(summaries.map((s) => s.group))];
  // panels share the page's 1280 px: the bar width follows the number of experiments and groups
  const barWidth = Math.min(Math.max(240, 16 * experiments.length), Math.floor(1000 / groups.length));
  const figure: Figure = {
    name: 'seed-bars',
    title: 'Fig. 9: mean ± standard deviation over seeds, per experiment',
    caption: `From ${escapeHtml(resultsPath)}: ${lines.length} lines, ${experiments.length} experiments; last epoch of each run. Top: the training objective CE + term (not comparable across experiments: each adds a different term); bottom: ${shown[1] ?? 'IoU'} on the validation split.`,
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: rows },
      facet: {
        row: { field: 'quantity', type: 'nominal', title: null, sort: shownLabels, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelLimit: 420 } },
        column: { field: 'group', type: 'nominal', title: null },
      },
      spec: {
        width: barWidth,
        height: 150,
        layer: [
          {
            mark: { type: 'bar', color: '#3b6ea8' },
            encoding: {
              x: { field: 'experiment', type: 'nominal', sort: experiments, title: 'experiment', axis: { labelAngle: 0 } },
              y: { field: 'mean', type: 'quantitative', title: 'mean over seeds', scale: { zero: false } },
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
    .map((r) => ({ ...r, quantity: metricLabel(r.metric) }))
    .sort((a, b) => experimentOrder(a.experiment, b.experiment) || a.epoch - b.epoch);
  const curves: Figure = {
    name: 'epoch-curves',
    title: 'Fig. 9: mean over seeds at every epoch',
    caption: `Each line is one experiment: the metric after each epoch, averaged over the seeds that reached it. ${experiments.length} experiments, each with its own pair of colour and dash pattern (10 colours × 4 dashes).`,
    spec: vegaLite({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: curveRows },
      facet: {
        row: { field: 'quantity', type: 'nominal', title: null, sort: shownLabels, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelLimit: 420 } },
        column: { field: 'group', type: 'nominal', title: null },
      },
      spec: {
        width: Math.min(420, Math.floor(900 / groups.length)),
        height: 200,
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
          y: { field: 'mean', type: 'quantitative', title: 'mean over seeds', scale: { zero: false } },
          ...seriesEncoding('experiment', experiments, 'experiment'),
        },
      },
      resolve: { scale: { y: 'independent' } },
      config: { legend: { columns: experiments.length > 14 ? 2 : 1, symbolType: 'stroke', symbolSize: 300, symbolStrokeWidth: 2 } },
    }),
    rows: curveRows,
  };
  return {
    id: 'seeds',
    title,
    summary: about,
    figures: [figure, curves],
    tables: [...table2Counterparts(lines), ...summaryTables(summaries, experiments)],
    data: summaries,
  };
}
