import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Analysis } from './analysis.js';
import { type Figure, renderSvg, svgToPng, toCsv, toVegaSpec } from './render/figure.js';
import { reportHtml } from './render/html.js';

export interface WrittenFigure {
  readonly analysis: string;
  readonly name: string;
  readonly svg: string;
  readonly png: string;
}

/** Copies KaTeX's stylesheet and its woff2 fonts next to the page, so formulas typeset offline. */
function copyKatexAssets(outDir: string): void {
  const require = createRequire(import.meta.url);
  const css = require.resolve('katex/dist/katex.min.css');
  const target = join(outDir, 'katex');
  mkdirSync(join(target, 'fonts'), { recursive: true });
  copyFileSync(css, join(target, 'katex.min.css'));
  const fonts = join(dirname(css), 'fonts');
  for (const f of readdirSync(fonts)) if (f.endsWith('.woff2')) copyFileSync(join(fonts, f), join(target, 'fonts', f));
}

async function writeFigure(dir: string, figure: Figure): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(figure);
  const svgPath = join(dir, `${figure.name}.svg`);
  const pngPath = join(dir, `${figure.name}.png`);
  writeFileSync(svgPath, svg);
  writeFileSync(pngPath, svgToPng(svg));
  writeFileSync(join(dir, `${figure.name}.csv`), toCsv(figure.rows));
  writeFileSync(join(dir, `${figure.name}.json`), JSON.stringify(figure.rows));
  writeFileSync(join(dir, `${figure.name}.vg.json`), JSON.stringify(toVegaSpec(figure), null, 1));
  return { svg: svgPath, png: pngPath };
}

/**
 * Writes the report: index.html, and per analysis a folder with each figure as SVG, PNG,
 * CSV, JSON and its Vega spec, plus the analysis data as data.json.
 */
export async function writeReport(
  outDir: string,
  analyses: readonly Analysis[],
  options: { log?: (line: string) => void; extraScript?: string } = {},
): Promise<WrittenFigure[]> {
  mkdirSync(outDir, { recursive: true });
  copyKatexAssets(outDir);
  const written: WrittenFigure[] = [];
  for (const a of analyses) {
    const dir = join(outDir, a.id);
    mkdirSync(dir, { recursive: true });
    for (const f of a.figures) {
      const paths = await writeFigure(dir, f);
      written.push({ analysis: a.id, name: f.name, ...paths });
      options.log?.(`  ${a.id}/${f.name}.svg`);
    }
    if (a.data !== undefined) writeFileSync(join(dir, 'data.json'), JSON.stringify(a.data, null, 1));
    for (const file of a.files ?? []) {
      writeFileSync(join(dir, file.name), file.content);
      options.log?.(`  ${a.id}/${file.name}`);
    }
  }
  const html = reportHtml({
    analyses,
    generated: new Date().toISOString(),
    headExtra: '<link rel="stylesheet" href="katex/katex.min.css">',
    bodyExtra: options.extraScript ? `<script>\n${options.extraScript}\n</script>` : '',
  });
  writeFileSync(join(outDir, 'index.html'), html);
  return written;
}
