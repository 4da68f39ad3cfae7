/**
 * 3D surfaces with axes, ticks and labels, drawn by one small scene builder that both the
 * browser (canvas, drag to rotate) and Node (a static SVG, then PNG) run: the scene is a list of
 * polygons, lines and texts in screen coordinates, so the interactive view and the exported file
 * are the same picture. The builder is JavaScript source (no library, works from disk) that the
 * page inlines and Node evaluates once.
 */

export interface SurfaceData {
  readonly title: string;
  /** grid side: z holds n × n values, row-major with y outer */
  readonly n: number;
  /** the value at each grid point, null where undefined */
  readonly z: readonly (number | null)[];
  /** axis ranges of the grid: x (columns) and y (rows) */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** the figure's shared value range: the same z axis and colours in every panel */
  readonly zmin: number;
  readonly zmax: number;
  readonly labels: { readonly x: string; readonly y: string; readonly z: string };
}

interface SurfaceScene {
  readonly polys: { pts: [number, number][]; fill: string }[];
  readonly lines: { a: [number, number]; b: [number, number]; stroke: string; width: number; kind: string }[];
  readonly texts: { x: number; y: number; text: string; anchor: 'start' | 'middle' | 'end'; size: number; kind: string }[];
}

/**
 * surfaceScene(s, W, H, yaw, pitch): the scene of one surface in a W × H box.
 * The box [-0.5, 0.5]^3 holds the grid: x and y from the axis ranges, z from the shared range.
 * Rotation: yaw about the vertical axis, then pitch (0: seen from the side, pi/2: from above).
 * Axes: x along the floor edge nearer the viewer, y along the other near floor edge, z up the
 * floor corner that is leftmost on screen; ticks at "nice" steps, pointing out of the box.
 */
const SURFACE_CORE = `
function viridis(t) {
  var stops = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
  t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  var i = Math.min(stops.length - 2, Math.floor(t)), f = t - i, a = stops[i], b = stops[i + 1];
  return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * f); }).join(',') + ')';
}
function niceTicks(lo, hi, count) {
  var raw = (hi - lo) / Math.max(1, count), mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
  var step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag, out = [];
  for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { values: out, step: step };
}
function tickText(v, step) {
  var digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(6, digits));
}
function surfaceScene(s, W, H, yaw, pitch) {
  var n = s.n, zspan = (s.zmax - s.zmin) || 1, cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  var scale = Math.min(W, H) * 0.56, ox = W / 2 + 6, oy = H / 2 + 14;
  // box coordinates in [-0.5, 0.5]: screen position and depth (larger depth: farther away)
  function project(x, y, z) {
    var rx = x * cy - y * sy, ry = x * sy + y * cy;
    return [ox + rx * scale, oy - (ry * sp + z * cp) * scale * 0.9, ry * cp - z * sp];
  }
  var bx = function (v) { return (v - s.x[0]) / (s.x[1] - s.x[0]) - 0.5; };
  var byy = function (v) { return (v - s.y[0]) / (s.y[1] - s.y[0]) - 0.5; };
  var bz = function (v) { return (v - s.zmin) / zspan - 0.5; };
  var scene = { polys: [], lines: [], texts: [] };
  function line(a, b, stroke, width, kind) { scene.lines.push({ a: [a[0], a[1]], b: [b[0], b[1]], stroke: stroke, width: width, kind: kind }); }
  function text(p, t, anchor, size, kind) { scene.texts.push({ x: p[0], y: p[1], text: t, anchor: anchor, size: size, kind: kind }); }
  // the floor and the back walls, behind the surface
  var corners = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]];
  for (var k = 0; k < 4; k++) {
    var c0 = corners[k], c1 = corners[(k + 1) % 4];
    line(project(c0[0], c0[1], -0.5), project(c1[0], c1[1], -0.5), '#bbb', 1, 'frame');
  }
  // surface quads, far ones first
  var quads = [];
  for (var j = 0; j < n - 1; j++) for (var i = 0; i < n - 1; i++) {
    var c = [s.z[j * n + i], s.z[j * n + i + 1], s.z[(j + 1) * n + i + 1], s.z[(j + 1) * n + i]];
    if (c.some(function (v) { return v === null; })) continue;
    var gx = function (ii) { return ii / (n - 1) - 0.5; };
    var p = [project(gx(i), gx(j), bz(c[0])), project(gx(i + 1), gx(j), bz(c[1])), project(gx(i + 1), gx(j + 1), bz(c[2])), project(gx(i), gx(j + 1), bz(c[3]))];
    quads.push({ p: p, d: (p[0][2] + p[1][2] + p[2][2] + p[3][2]) / 4, v: (c[0] + c[1] + c[2] + c[3]) / 4 });
  }
  quads.sort(function (a, b) { return b.d - a.d; });
  quads.forEach(function (q) {
    scene.polys.push({ pts: q.p.map(function (pt) { return [pt[0], pt[1]]; }), fill: viridis((q.v - s.zmin) / zspan) });
  });
  // axes on the near floor edges and the leftmost vertical edge
  var nearY = project(0, -0.5, -0.5)[2] < project(0, 0.5, -0.5)[2] ? -0.5 : 0.5;
  var nearX = project(-0.5, 0, -0.5)[2] < project(0.5, 0, -0.5)[2] ? -0.5 : 0.5;
  function axis(from, to, outward, ticks, label, kind, pos) {
    var a = project(from[0], from[1], from[2]), b = project(to[0], to[1], to[2]);
    line(a, b, '#222', 1.2, kind);
    ticks.values.forEach(function (v) {
      var t = pos(v), p0 = project(t[0], t[1], t[2]), p1 = project(t[0] + outward[0] * 0.05, t[1] + outward[1] * 0.05, t[2] + outward[2] * 0.05);
      var p2 = project(t[0] + outward[0] * 0.16, t[1] + outward[1] * 0.16, t[2] + outward[2] * 0.16);
      line(p0, p1, '#222', 1, kind + '-tick');
      text([p2[0], p2[1] + 3], tickText(v, ticks.step), p2[0] < p0[0] - 2 ? 'end' : p2[0] > p0[0] + 2 ? 'start' : 'middle', 9, kind + '-tick-label');
    });
    // the title beside the middle of a floor axis; above the top of the vertical one
    var m = pos((ticks.lo + ticks.hi) / 2), q = project(m[0] + outward[0] * 0.34, m[1] + outward[1] * 0.34, m[2] + outward[2] * 0.34);
    if (kind === 'z-axis') text([b[0], b[1] - 10], label, 'middle', 11, kind + '-title');
    else text([q[0], q[1] + 4], label, 'middle', 11, kind + '-title');
  }
  function within(lo, hi, count) { var t = niceTicks(lo, hi, count); t.values = t.values.filter(function (v) { return v >= lo - 1e-12 && v <= hi + 1e-12; }); t.lo = lo; t.hi = hi; return t; }
  axis([-0.5, nearY, -0.5], [0.5, nearY, -0.5], [0, nearY * 2, 0], within(s.x[0], s.x[1], 4), s.labels.x, 'x-axis', function (v) { return [bx(v), nearY, -0.5]; });
  axis([nearX, -0.5, -0.5], [nearX, 0.5, -0.5], [nearX * 2, 0, 0], within(s.y[0], s.y[1], 4), s.labels.y, 'y-axis', function (v) { return [nearX, byy(v), -0.5]; });
  var left = corners.map(function (c) { return [c, project(c[0], c[1], -0.5)]; }).sort(function (a, b) { return a[1][0] - b[1][0]; })[0][0];
  var out = [left[0] * 2, left[1] * 2, 0];
  axis([left[0], left[1], -0.5], [left[0], left[1], 0.5], out, within(s.zmin, s.zmax, 4), s.labels.z, 'z-axis', function (v) { return [left[0], left[1], bz(v)]; });
  text([6, 14], s.title, 'start', 12, 'title');
  return scene;
}
`;

type SceneBuilder = (s: SurfaceData, W: number, H: number, yaw: number, pitch: number) => SurfaceScene;

/** The scene builder evaluated in Node, from the very source the page runs. */
export const surfaceScene: SceneBuilder = new Function(`${SURFACE_CORE}\nreturn surfaceScene;`)() as SceneBuilder;

/** The surfaces' colour map, from the same source. */
const viridisOf = new Function(`${SURFACE_CORE}\nreturn viridis;`)() as (t: number) => string;

/** The starting view of every surface (and the view of the static export). */
const SURFACE_VIEW = { yaw: 0.8, pitch: 0.55 } as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number) => v.toFixed(1);

/** One scene as SVG elements (no <svg> wrapper), shifted by (dx, dy). */
function sceneSvg(scene: SurfaceScene, dx: number, dy: number): string {
  const polys = scene.polys.map(
    (p) => `<polygon points="${p.pts.map(([x, y]) => `${f(x + dx)},${f(y + dy)}`).join(' ')}" fill="${p.fill}" stroke="rgba(0,0,0,0.15)" stroke-width="0.5"/>`,
  );
  const [back, front] = [scene.lines.filter((l) => l.kind === 'frame'), scene.lines.filter((l) => l.kind !== 'frame')];
  const line = (l: SurfaceScene['lines'][number]) =>
    `<line class="${l.kind}" x1="${f(l.a[0] + dx)}" y1="${f(l.a[1] + dy)}" x2="${f(l.b[0] + dx)}" y2="${f(l.b[1] + dy)}" stroke="${l.stroke}" stroke-width="${l.width}"/>`;
  const texts = scene.texts.map(
    (t) =>
      `<text class="${t.kind}" x="${f(t.x + dx)}" y="${f(t.y + dy)}" text-anchor="${t.anchor}" font-size="${t.size}"${t.kind.endsWith('title') ? ' font-weight="bold"' : ''}>${esc(t.text)}</text>`,
  );
  return [...back.map(line), ...polys, ...front.map(line), ...texts].join('\n');
}

/**
 * The static export: every surface of a figure in a grid of W × H panels, and one colour bar
 * for the shared range, as a standalone SVG (fonts: DejaVu Sans, as the Vega figures).
 */
export function surfacesSvg(surfaces: readonly SurfaceData[], options: { columns: number; width: number; height: number; title: string }): string {
  const { columns, width, height } = options;
  const rows = Math.ceil(surfaces.length / columns);
  const barWidth = 70;
  const top = 24;
  const W = columns * width + barWidth;
  const H = rows * height + top;
  const panels = surfaces.map((s, k) => {
    const scene = surfaceScene(s, width, height, SURFACE_VIEW.yaw, SURFACE_VIEW.pitch);
    const dx = (k % columns) * width;
    const dy = top + Math.floor(k / columns) * height;
    return `<g class="surface-panel"><rect x="${dx + 0.5}" y="${dy + 0.5}" width="${width - 1}" height="${height - 1}" fill="white" stroke="#eee"/>\n${sceneSvg(scene, dx, dy)}</g>`;
  });
  const { zmin, zmax } = surfaces[0]!;
  const stops = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<stop offset="${t}" stop-color="${viridisOf(t)}"/>`)
    .join('');
  const bx = columns * width + 14;
  const by = top + 30;
  const bh = Math.min(220, H - by - 20);
  const bar = `<defs><linearGradient id="shared-scale" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>
<g class="colour-bar"><text x="${bx}" y="${by - 10}" font-size="11" font-weight="bold">${esc(surfaces[0]!.labels.z)}</text>
<rect x="${bx}" y="${by}" width="14" height="${bh}" fill="url(#shared-scale)"/>
<text x="${bx + 18}" y="${by + 9}" font-size="9">${zmax.toPrecision(3)}</text><text x="${bx + 18}" y="${by + bh}" font-size="9">${zmin.toPrecision(3)}</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="6" y="16" font-size="13" font-weight="bold">${esc(options.title)}</text>
${panels.join('\n')}
${bar}
</svg>
`;
}

/** The page script: draws each canvas.surface from its data-surface JSON and rotates it on drag. */
export const SURFACE_SCRIPT = `
(function () {
${SURFACE_CORE}
  function draw(canvas, s, yaw, pitch) {
    var ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height;
    ctx.fillStyle = 'white'; ctx.fillRect(0, 0, W, H);
    var scene = surfaceScene(s, W, H, yaw, pitch);
    function stroke(l) { ctx.beginPath(); ctx.moveTo(l.a[0], l.a[1]); ctx.lineTo(l.b[0], l.b[1]); ctx.strokeStyle = l.stroke; ctx.lineWidth = l.width; ctx.stroke(); }
    scene.lines.filter(function (l) { return l.kind === 'frame'; }).forEach(stroke);
    ctx.lineWidth = 0.5;
    scene.polys.forEach(function (q) {
      ctx.beginPath(); ctx.moveTo(q.pts[0][0], q.pts[0][1]);
      for (var k = 1; k < q.pts.length; k++) ctx.lineTo(q.pts[k][0], q.pts[k][1]);
      ctx.closePath(); ctx.fillStyle = q.fill; ctx.fill(); ctx.strokeStyle = 'rgba(0,0,0,0.15)'; ctx.stroke();
    });
    scene.lines.filter(function (l) { return l.kind !== 'frame'; }).forEach(stroke);
    ctx.fillStyle = '#222';
    scene.texts.forEach(function (t) {
      ctx.font = (/title$/.test(t.kind) ? 'bold ' : '') + t.size + 'px DejaVu Sans, sans-serif';
      ctx.textAlign = t.anchor === 'middle' ? 'center' : t.anchor;
      ctx.fillText(t.text, t.x, t.y);
    });
  }
  document.querySelectorAll('canvas.surface').forEach(function (canvas) {
    var s = JSON.parse(canvas.getAttribute('data-surface'));
    var yaw = ${SURFACE_VIEW.yaw}, pitch = ${SURFACE_VIEW.pitch}, drag = null;
    draw(canvas, s, yaw, pitch);
    canvas.addEventListener('pointerdown', function (e) { drag = [e.clientX, e.clientY, yaw, pitch]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener('pointerup', function () { drag = null; });
    canvas.addEventListener('pointermove', function (e) {
      if (!drag) return;
      yaw = drag[2] + (e.clientX - drag[0]) * 0.01;
      pitch = Math.max(0.05, Math.min(1.5, drag[3] + (e.clientY - drag[1]) * 0.01));
      draw(canvas, s, yaw, pitch);
    });
  });
})();
`;
