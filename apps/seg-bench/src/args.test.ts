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
    expect(error(['--data-dir', '/x'])).toMatch(/synthetic dataset is embedded/);
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

  it('--queue makes a coordinator; worker takes its own threads, concurrency, data and lock settings', () => {
    expect(run(['--queue', 'redis://:s3cret@db.example:6380/2', '--queue-name', 'paper', '--attempts', '5']).queue).toEqual({
      target: { url: 'redis://:s3cret@db.example:6380/2', shown: 'redis://:***@db.example:6380/2', tls: false },
      name: 'paper',
      attempts: 5,
    });
    expect(run(['--queue', 'rediss://db.example']).queue).toMatchObject({ target: { tls: true }, name: 'seg-bench', attempts: 3 });
    expect(run([]).queue).toBeUndefined();
    expect(parseCommandLine(['worker', '--queue', 'redis://127.0.0.1:6379', '--threads', '2', '--concurrency', '2', '--data-dir', '/data/voc'], 4)).toEqual({
      command: 'worker',
      target: { url: 'redis://127.0.0.1:6379', shown: 'redis://127.0.0.1:6379', tls: false },
      name: 'seg-bench',
      threads: 2,
      concurrency: 2,
      dataDir: '/data/voc',
      lockDuration: 30_000,
      stalledInterval: 30_000,
    });
    expect(parseCommandLine(['worker', '--queue', 'redis://h', '--lock-duration', '2000', '--stalled-interval', '500'], 2)).toMatchObject({
      concurrency: 2,
      lockDuration: 2000,
      stalledInterval: 500,
    });
  });

  it('queue options: errors name the option and never show the password', () => {
    expect(error(['--queue', 'http://h:1'])).toBe('--queue http://h:1: the scheme is http; expected redis://[user:password@]host[:port][/db] (rediss:// for TLS)');
    expect(error(['--queue', 'redis://:pw@h/x'])).toBe('--queue redis://:***@h/x: the path /x is not a database number; expected redis://[user:password@]host[:port][/db] (rediss:// for TLS)');
    expect(error(['--queue', 'not a url :pw@'])).not.toContain('pw');
    expect(error(['--queue', 'redis://h', '--queue-name', 'a:b'])).toMatch(/--queue-name a:b: expected 1-64 letters/);
    expect(error(['--queue', 'redis://h', '--workers', '2'])).toMatch(/--workers is the local pool; with --queue, start `seg-bench worker/);
    expect(error(['--attempts', '2'])).toBe('--attempts is for a queue sweep: add --queue redis://host:port');
    expect(error(['--concurrency', '2'])).toMatch(/--concurrency: on the coordinator it is --workers/);
    expect(error(['worker'])).toMatch(/worker needs --queue redis:\/\/host:port/);
    expect(error(['worker', '--queue', 'redis://h', '--epochs', '3'])).toMatch(/worker takes --queue, .*; --epochs is set on the coordinator/);
    expect(error(['worker', '--queue', 'redis://h', '--concurrency', '3'])).toMatch(/--concurrency 3 x --threads 1 = 3 threads on 2 cores/);
    expect(error(['worker', '--queue', 'redis://h', '--lock-duration', '10'])).toBe('--lock-duration 10: expected a whole number >= 100');
  });
});
