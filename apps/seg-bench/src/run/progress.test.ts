import { describe, expect, it } from 'vitest';
import { fakeRow } from '../../test/rows.js';
import { Progress, formatDuration } from './progress.js';
import type { RunSpec } from './run-spec.js';

const run = { experiment: '3', model: 'unet', seed: 250, settings: { epochs: 2 } } as unknown as RunSpec;
const stream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, isTTY, columns: 200, write: (text: string) => writes.push(text) };
};

describe('progress', () => {
  it('redraws one live line on a TTY: runs done/total, each run with epoch and step, ETA', async () => {
    const tty = stream(true);
    const progress = new Progress(2, tty, 'auto');
    progress.start('0', run);
    await new Promise((resolve) => setTimeout(resolve, 120)); // redraws are throttled to 10 per second
    progress.step('0', 2, 4, 8);
    progress.row(fakeRow());
    progress.finish('0');
    progress.end();
    expect(tty.writes.slice(0, -1).every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(tty.writes.some((w) => /\[0\/2\] \d+% ETA \S+ \| exp 3 unet seed 250 e2\/2 s4\/8/.test(w))).toBe(true);
    expect(tty.writes.some((w) => w.includes('[1/2] 50%'))).toBe(true);
    expect(tty.writes.at(-1)).toMatch(/^1\/2 runs in \d+s\n$/);
  });

  it('writes plain log lines when not a TTY, one per finished epoch', () => {
    const log = stream(false);
    const progress = new Progress(1, log, 'auto');
    progress.start('0', run);
    progress.step('0', 1, 8, 8);
    progress.row(fakeRow({ experiment: '3', seed: 250, epoch: 1, epochs: 2, loss: 0.25, iou: 0.5 }));
    expect(log.writes).toEqual([expect.stringMatching(/^exp 3 unet seed 250 epoch 1\/2: loss 0\.2500, macro IoU 0\.500, 8\.0 img\/s; 0\/1 runs done, ETA \S+\n$/)]);
  });

  it('formats durations', () => {
    expect([formatDuration(42), formatDuration(125), formatDuration(7380), formatDuration(Number.NaN)]).toEqual(['42s', '2m05s', '2h03m', '?']);
  });
});
