/**
 * Deep and wide graphs: time `simplify` of a sum of n distinct terms, and print + parse (shared
 * text), evaluate and the simplified gradient of a chain of n ops, for n = 10^3, 10^4, 10^5;
 * with the growth per 10x (10 is linear, 100 quadratic).
 *
 *   pnpm --filter @losskit/core bench:deep                         # this tree only
 *   pnpm --filter @losskit/core bench:deep -- --before <core src>   # and another core beside it
 *
 * `--before` takes the `src` folder of another copy of the core (say the commit before, from
 * `mkdir .bench-before && git -C ../.. archive <commit> packages/core/src | tar -x -C .bench-before --strip-components=2`,
 * then `--before .bench-before/src`; inside the package so its imports resolve): each case then runs on both,
 * interleaved (before, after) in one process. A case that overflows the stack prints RangeError;
 * once a case failed or took over 10 s at one size, the before copy skips the larger sizes.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as after from '../src/index.js';

type Core = typeof after;

/** The graphs of src/testing/deep-graphs.ts, built with a given copy of the core. */
function graphs(L: Core) {
  const x = L.input('x', ['batch']);
  const chain = (depth: number): after.Node => {
    let e: after.Node = x;
    for (let i = 0; i < depth; i++) e = i % 3 === 0 ? L.tanh(e) : i % 3 === 1 ? L.add(e, 0.25) : L.neg(e);
    return e;
  };
  const wide = (terms: number): after.Node => {
    let s: after.Node = L.mul(2, L.tanh(L.add(x, 1 / terms)));
    for (let i = 1; i < terms; i++) s = L.add(s, L.mul(i + 2, L.tanh(L.add(x, (i + 1) / terms))));
    return s;
  };
  return { x, chain, wide };
}

const env = { inputs: { x: { shape: [3], data: [-0.7, 0.1, 1.3] } } };

/** What each case times, given a copy of the core and n. */
const CASES: Record<string, (L: Core, n: number) => () => unknown> = {
  'simplify, sum of n distinct terms': (L, n) => {
    const e = graphs(L).wide(n);
    return () => L.simplify(e);
  },
  'print + parse (share), chain of n ops': (L, n) => {
    const { x, chain } = graphs(L);
    const e = chain(n);
    return () => L.parse(L.print(e, { share: true }), { names: { x } });
  },
  'evaluate, chain of n ops': (L, n) => {
    const e = graphs(L).chain(n);
    return () => L.evaluate(e, env);
  },
  'gradient (simplified), chain of n ops': (L, n) => {
    const { x, chain } = graphs(L);
    const e = L.mean(chain(n));
    return () => L.gradient(e, x);
  },
};

const SIZES = [1_000, 10_000, 100_000];
const SKIP_AFTER_S = 10;

/** Seconds of one run, or the error's name. */
function time(L: Core, make: (L: Core, n: number) => () => unknown, n: number): number | string {
  try {
    const run = make(L, n);
    // each run starts from a collected heap (the other copy's garbage is not charged to it)
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    run();
    return (performance.now() - t0) / 1000;
  } catch (error) {
    return (error as Error).name;
  }
}

const show = (t: number | string | undefined): string => (t === undefined ? 'skipped' : typeof t === 'number' ? `${t.toFixed(2)} s` : t);

async function main(): Promise<void> {
  const at = process.argv.indexOf('--before');
  const before: Core | undefined =
    at > 0 ? ((await import(pathToFileURL(path.resolve(process.argv[at + 1]!, 'index.ts')).href)) as Core) : undefined;
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)\n`);
  const header = before ? '| case | n | before | after | after: growth per 10x |' : '| case | n | time | growth per 10x |';
  console.log(header);
  console.log(header.replace(/[^|]+/g, ' --- '));
  for (const [name, make] of Object.entries(CASES)) {
    let previous: number | undefined;
    let beforeSlow = false;
    for (const n of SIZES) {
      const b = before && !beforeSlow ? time(before, make, n) : undefined;
      // a case that overflowed or took long at n does at 10 n too
      if (typeof b === 'string' || (b !== undefined && b > SKIP_AFTER_S)) beforeSlow = true;
      const a = time(after, make, n);
      const growth = typeof a === 'number' && previous !== undefined ? `${(a / previous).toFixed(1)}x` : '';
      previous = typeof a === 'number' ? a : undefined;
      console.log(before ? `| ${name} | ${n} | ${show(b)} | ${show(a)} | ${growth} |` : `| ${name} | ${n} | ${show(a)} | ${growth} |`);
    }
  }
  console.log(`\nload average at end: ${load()}`);
}

await main();
