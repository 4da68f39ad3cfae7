// Held-out images, true masks and predicted masks side by side on a canvas, one row per image.
import type { Batch } from '@losskit/onnx-train';

/** Class colours: background, circles, rectangles. */
const COLOURS: readonly (readonly [number, number, number])[] = [
  [30, 30, 40],
  [230, 80, 60],
  [70, 150, 230],
];

/** The predicted class per pixel: argmax over the class axis of logits [N, C, H, W]. */
export function argmaxClasses(logits: Float32Array, n: number, classes: number, plane: number): Uint8Array {
  const out = new Uint8Array(n * plane);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < plane; p++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[(b * classes + c) * plane + p]! > logits[(b * classes + best) * plane + p]!) best = c;
      out[b * plane + p] = best;
    }
  return out;
}

/** Draws `rows` images of the batch: input (channels as RGB), truth, prediction (or blank before the first). */
export function drawMasks(canvas: HTMLCanvasElement, batch: Batch, rows: number, predicted?: Uint8Array): void {
  const [, , h, w] = batch.shape;
  const plane = h * w;
  const cell = Math.floor(Math.min(canvas.width / 3, canvas.height / rows));
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const tile = new ImageData(w, h);
  const paint = (pixel: (p: number) => readonly [number, number, number], col: number, row: number) => {
    for (let p = 0; p < plane; p++) {
      const [r, gr, b] = pixel(p);
      tile.data.set([r, gr, b, 255], p * 4);
    }
    const scratch = new OffscreenCanvas(w, h);
    scratch.getContext('2d')!.putImageData(tile, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(scratch, col * cell, row * cell, cell - 2, cell - 2);
  };
  const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v * 200)));
  for (let n = 0; n < rows; n++) {
    paint((p) => [0, 1, 2].map((c) => byte(batch.images[(n * 3 + c) * plane + p]!)) as unknown as [number, number, number], 0, n);
    paint((p) => COLOURS[Number(batch.labels[n * plane + p])]!, 1, n);
    if (predicted) paint((p) => COLOURS[predicted[n * plane + p]!]!, 2, n);
  }
}
