import type { Analysis, Table } from '../analysis.js';

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const formatNumber = (v: string | number | null): string => {
  if (v === null) return '—';
  if (typeof v === 'string') return escapeHtml(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
};

function tableHtml(t: Table): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td>${formatNumber(v)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"><table><caption>${escapeHtml(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const paragraphs = (text: string): string =>
  text
    .split(/\n\n+/)
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n');

function analysisHtml(a: Analysis): string {
  const figures = a.figures
    .map(
      (f) => `<figure class="figure" id="${a.id}--${f.name}">
  <img src="${a.id}/${f.name}.svg" alt="${escapeHtml(f.title)}" loading="eager">
  <figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}
  <span class="files"><a href="${a.id}/${f.name}.svg">SVG</a> · <a href="${a.id}/${f.name}.png">PNG</a> · <a href="${a.id}/${f.name}.csv">CSV</a> · <a href="${a.id}/${f.name}.json">JSON</a> · <a href="${a.id}/${f.name}.vg.json">spec</a></span></figcaption>
</figure>`,
    )
    .join('\n');
  return `<section id="${a.id}">
<h2>${escapeHtml(a.title)}</h2>
${figures}
<div class="text">${paragraphs(a.summary)}</div>
${a.html ?? ''}
${(a.tables ?? []).map(tableHtml).join('\n')}
</section>`;
}

export function reportHtml(options: { analyses: readonly Analysis[]; generated: string; headExtra?: string; bodyExtra?: string }): string {
  // the section titles carry their numbers ("1. Loss landscapes"): an unnumbered list, not <ol>
  const toc = options.analyses.map((a) => `<li><a href="#${a.id}">${escapeHtml(a.title)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loss-lab: analyses of hybrid nonlinear loss functions</title>
<link rel="icon" href="data:,">
${options.headExtra ?? ''}
<style>
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 0 auto; max-width: 1280px; padding: 1rem 2rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .3rem; margin-top: 2.5rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #444; max-width: 70rem; } .files { margin-left: .5rem; font-size: .8rem; }
.text p { max-width: 70rem; line-height: 1.45; }
*, *::before, *::after { box-sizing: border-box; }
ul.toc { list-style: none; padding-left: 0; columns: 2; }
.table { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .85rem; } caption { text-align: left; font-weight: bold; padding: .3rem 0; max-width: 70rem; }
td, th { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; } td:first-child, th:first-child { text-align: left; }
.flag { color: #b00020; font-weight: bold; } .ok { color: #1b7a1b; }
.surfaces { display: flex; flex-wrap: wrap; gap: .5rem; } .surfaces figure { margin: 0; }
canvas.surface { border: 1px solid #eee; cursor: grab; }
.missing { border: 2px dashed #999; padding: 1rem 1.5rem; background: #fafafa; }
.derivative { border-top: 1px solid #eee; padding: .4rem 0; } .derivative h4 { margin: .4rem 0; font-weight: normal; }
/* formulas are typeset inline (KaTeX breaks lines after top-level relations and operators), one partial derivative a line */
.formula { display: flex; align-items: baseline; gap: 1rem; overflow-x: auto; margin: .3rem 0; } .formula .label { width: 3.5rem; flex: none; color: #666; font-size: .85rem; }
.formula .lines { flex: 1; min-width: 0; font-size: 1.1rem; } .formula .line { display: block; margin: .5rem 0; }
.formula .where { display: block; color: #444; font-size: .95rem; margin: .35rem 0; }
.note { margin: .2rem 0 .2rem 4.5rem; font-size: .9rem; color: #444; }
</style>
</head>
<body>
<h1>loss-lab: the analyses of “Hybrid Nonlinear Loss Functions”</h1>
<p>Every number on this page comes from the <code>@losskit/core</code> float64 evaluator and its symbolic gradients. Generated ${escapeHtml(options.generated)}. Each figure links its SVG, PNG, the data behind it (CSV, JSON) and its Vega spec.</p>
<nav><ul class="toc">${toc}</ul></nav>
${options.analyses.map(analysisHtml).join('\n')}
${options.bodyExtra ?? ''}
</body>
</html>
`;
}
