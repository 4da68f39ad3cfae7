// Line charts on a canvas: one or more series over steps, y axis from the data (or fixed).

export interface Series {
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
}

const MARGIN = { left: 44, right: 10, top: 10, bottom: 24 };

/** Draws the series; `yRange` fixes the axis (IoU: [0, 1]), otherwise it spans the data. */
export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], xMax: number, yRange?: readonly [number, number]): void {
  const g = canvas.getContext('2d')!;
  const { width, height } = canvas;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height);
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  let [y0, y1] = yRange ?? [Math.min(0, ...ys), Math.max(...ys, 1e-6)];
  if (y1 <= y0) y1 = y0 + 1;
  const px = (x: number) => MARGIN.left + ((width - MARGIN.left - MARGIN.right) * (x - 1)) / Math.max(1, xMax - 1);
  const py = (y: number) => height - MARGIN.bottom - ((height - MARGIN.top - MARGIN.bottom) * (y - y0)) / (y1 - y0);
  g.strokeStyle = '#999';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(MARGIN.left, MARGIN.top);
  g.lineTo(MARGIN.left, height - MARGIN.bottom);
  g.lineTo(width - MARGIN.right, height - MARGIN.bottom);
  g.stroke();
  g.fillStyle = '#555';
  g.font = '11px system-ui, sans-serif';
  g.textAlign = 'right';
  for (const y of [y0, (y0 + y1) / 2, y1]) g.fillText(y.toPrecision(2), MARGIN.left - 4, py(y) + 4);
  g.textAlign = 'center';
  for (const x of [1, Math.round((1 + xMax) / 2), xMax]) g.fillText(String(x), px(x), height - 8);
  for (const s of series) {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    for (const [i, [x, y]] of s.points.entries()) {
      if (i === 0) g.moveTo(px(x), py(y));
      else g.lineTo(px(x), py(y));
    }
    g.stroke();
  }
}
