import { stripVTControlCharacters } from 'node:util';
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
  it('on a TTY: a live view of runs done/total with an ETA, and a bar per run naming its worker, epoch and step', async () => {
    const tty = stream(true);
    const progress = new Progress(2, tty, 'auto');
    const screen = () => stripVTControlCharacters(tty.writes.join(''));
    progress.start('job-a', run, 'node7:4242');
    progress.step('job-a', 2, 4, 8);
    await new Promise((resolve) => setTimeout(resolve, 250)); // cli-progress redraws at most 10 times a second
    expect(screen()).toMatch(/0\/2 runs \| 0% \| ETA \S+/);
    expect(screen()).toContain('node7:4242 exp 3 unet seed 250 | epoch 2/2 step 4/8');
    progress.note('a log line');
    progress.finish('job-a');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(screen()).toContain('a log line');
    expect(screen()).toMatch(/1\/2 runs \| 50%/);
    progress.row(fakeRow()); // rows are not logged under a live view
    progress.end();
    expect(tty.writes.at(-1)).toMatch(/^1\/2 runs in \d+s\n$/);
    expect(screen()).not.toContain('epoch 1/1');
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
