import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAnalyses } from './analyses/index.js';
import { SURFACE_SCRIPT } from './analyses/equation-surfaces.js';
import { writeReport } from './report.js';

const HELP = `loss-lab: the analyses of "Hybrid Nonlinear Loss Functions" as an HTML report

Usage: loss-lab [--out DIR] [--results FILE]

  --out DIR        where to write the report (default: ./report); open DIR/index.html
  --results FILE   a seg-bench results file (JSON lines) for the seed analysis;
                   without it that section says that no results file was given
  --help           show this text

Writes index.html (works offline from disk) and, per analysis, each figure as SVG and
PNG with the data behind it as CSV and JSON.`;

export async function main(argv: readonly string[]): Promise<number> {
  let values: { out?: string; results?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, results: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const out = resolve(values.out ?? 'report');
  const started = Date.now();
  process.stdout.write(`loss-lab: computing the analyses\n`);
  const analyses = buildAnalyses(values.results === undefined ? {} : { resultsPath: values.results });
  process.stdout.write(`loss-lab: rendering figures into ${out}\n`);
  await writeReport(out, analyses, { log: (l) => process.stdout.write(`${l}\n`), extraScript: SURFACE_SCRIPT });
  process.stdout.write(`loss-lab: wrote ${out}/index.html in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

// `pnpm lab -- --help` passes the `--` through: it only separates pnpm's options from ours
const argv = process.argv.slice(2);
main(argv[0] === '--' ? argv.slice(1) : argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`loss-lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
