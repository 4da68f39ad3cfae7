import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, readResults, summarize } from './index.js';

/** The body of the first ts code block after `heading` in README.md, without its import lines. */
function readmeExample(heading: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  return block.replace(/^import[\s\S]*?;\n/gm, '').trim();
}

/** This file's text between the README markers, dedented. */
function testedExample(): string {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const start = source.indexOf('// README:begin\n') + '// README:begin\n'.length;
  const body = source.slice(start, source.indexOf('// README:end', start));
  return body.replace(/^ {4}/gm, '').trim();
}

describe('README: programmatic use', () => {
  it('the example in the README is the code run here', () => {
    expect(testedExample()).toBe(readmeExample('## Programmatic use'));
  });

  it('runs: a paper experiment and a custom formula, two seeds, one epoch', async () => {
    const lines: string[] = [];
    const io = { stdout: { write: (text: string) => lines.push(text) }, stderr: { write: () => true } };
    // README:begin
    const out = join(mkdtempSync(join(tmpdir(), 'seg-bench-')), 'results.jsonl');
    const code = await main(
      ['--experiments', '27', '--loss', 'CE + 0.5*L1*exp(0.5*L2)', '--seeds', '1,250', '--epochs', '1',
       '--image-size', '16', '--width', '4', '--train-images', '8', '--val-images', '4', '--out', out, '--fresh'],
      io,
    );
    const table = summarize(readResults(out).rows);
    const ious = table.map((row) => `${row.lossName}: macro IoU ${row.macro.iou?.mean?.toFixed(3)}`);
    // README:end
    expect(code).toBe(0);
    expect(table.map((row) => row.experiment)).toEqual(['27', 'custom:1']);
    expect(ious[1]).toMatch(/^formula: CE \+ 0\.5\*L1\*exp\(0\.5\*L2\): macro IoU 0\.\d{3}$/);
    expect(lines.join('')).toContain('| formula: CE + 0.5*L1*exp(0.5*L2) |');
  }, 90_000);
});
