import { describe, expect, it } from 'vitest';
import { PAPER_SEEDS, PRESETS, type RunCommand, UsageError, parseCommandLine, parseIdList } from './args.js';

const run = (argv: string[], cores = 2) => parseCommandLine(argv, cores) as RunCommand;
const error = (argv: string[], cores = 2) => {
  try {
    parseCommandLine(argv, cores);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('command line', () => {
  it('defaults to all 27 experiments, onnx, U-Net, synthetic, the small preset, one worker per core', () => {
    const command = run([]);
    expect(command.losses.map((l) => l.experiment)).toEqual(Array.from({ length: 27 }, (_, i) => String(i + 1)));
    expect(command).toMatchObject({ backend: 'onnx', models: ['unet'], dataset: 'synthetic', workers: 2, threads: 1 });
    expect(command.seeds).toEqual(PRESETS.small.seeds);
    expect(command.out).toBe('results/synthetic-onnx.jsonl');
  });

  it('--full is the paper grid; explicit options still win', () => {
    const command = run(['--full', '--epochs', '5']);
    expect(command.seeds).toEqual([...PAPER_SEEDS]);
    expect(command.models).toEqual(['unet', 'fcn']);
    expect(command.epochs).toBe(5);
    expect(command.imageSize).toBe(128);
  });

  it('--preset power: FCN over ten seeds; --preset full equals --full; unknown or clashing presets are refused', () => {
    const power = run(['--preset', 'power']);
    expect(power).toMatchObject({ models: ['fcn'], epochs: 5, imageSize: 32, trainImages: 128, valImages: 64 });
    expect(power.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(run(['--preset', 'full'])).toEqual(run(['--full']));
    expect(run(['--preset', 'small'])).toEqual(run([]));
    expect(error(['--preset', 'huge'])).toBe('--preset huge: expected one of small, full, power');
    expect(error(['--full', '--preset', 'power'])).toContain('--full is --preset full');
  });

  it('reads experiment ranges and lists, custom formulas and modules', () => {
    expect(parseIdList('experiments', '1-3,7, 9-10,2', 1, 27)).toEqual([1, 2, 3, 7, 9, 10]);
    const command = run(['--experiments', '2,5', '--loss', 'CE + 0.1*L1', '--loss-module', './my-loss.ts']);
    expect(command.losses).toEqual([
      { experiment: '2', loss: { kind: 'paper', id: 2 } },
      { experiment: '5', loss: { kind: 'paper', id: 5 } },
      { experiment: 'custom:1', loss: { kind: 'formula', text: 'CE + 0.1*L1' } },
      { experiment: 'module:1', loss: { kind: 'module', path: './my-loss.ts' } },
    ]);
    expect(run(['--loss', 'CE']).losses).toHaveLength(1); // a custom loss alone replaces the 27
  });

  it('explains what is wrong and what would be right', () => {
    expect(error(['--backend', 'torch'])).toBe('--backend torch: expected one of onnx, tfjs');
    expect(error(['--experiments', '0-3'])).toBe('--experiments 0-3: 0-3 is outside 1..27');
    expect(error(['--experiments', '5-2'])).toBe('--experiments 5-2: range 5-2 runs backwards (write 2-5)');
    expect(error(['--experiments', 'all'])).toMatch(/'all' is not a number or a range like 3-7/);
    expect(error(['--seeds', '1,x'])).toMatch(/'x' is not a seed/);
    expect(error(['--seeds', '1,1'])).toBe('--seeds 1,1: a seed is listed twice');
    expect(error(['--epochs', '0'])).toBe('--epochs 0: expected a whole number >= 1');
    expect(error(['--epochs', '2.5'])).toBe('--epochs 2.5: expected a whole number >= 1');
    expect(error(['--image-size', '34'])).toBe('--image-size 34: U-Net with --depth 2 needs a multiple of 4 (e.g. 36)');
    expect(error(['--model', 'fcn', '--image-size', '48'])).toBe('--image-size 48: FCN-8s needs a multiple of 32 (e.g. 64)');
    expect(error(['--model', 'resnet'])).toMatch(/'resnet' is not a model; expected unet, fcn/);
    expect(error(['--dataset', 'voc'])).toMatch(/--dataset voc needs --data-dir/);
    expect(error(['--data-dir', '/x'])).toMatch(/synthetic dataset is generated/);
    expect(error(['--workers', '2', '--threads', '2'])).toMatch(/= 4 threads on 2 cores/);
    expect(error(['--lr', 'fast'])).toMatch(/--lr fast: expected a positive decimal number/);
    // strict decimals: no hex, no Infinity, no blanks
    for (const lr of ['0x10', 'Infinity', ' 1', '1e999', '-0.1']) expect(error(['--lr', lr])).toContain(`--lr ${lr}: expected a positive decimal number`);
    // a negative number is the option's value, judged like 0
    expect(error(['--epochs', '-1'])).toBe(error(['--epochs', '0']).replace('0:', '-1:'));
    expect(error(['--bogus'])).toMatch(/Unknown option '--bogus'.*see --help/);
    expect(error(['train'])).toMatch(/unexpected argument 'train'/);
    expect(error(['summary', '--epochs', '3'])).toMatch(/--epochs is a run option/);
  });

  it('takes summary options', () => {
    expect(parseCommandLine(['summary', '--out', 'r.jsonl', '--format', 'csv', '--epoch', '2'])).toEqual({
      command: 'summary',
      out: 'r.jsonl',
      format: 'csv',
      epoch: 2,
    });
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help' });
  });
});
