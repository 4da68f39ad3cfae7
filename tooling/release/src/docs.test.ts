import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docExamples } from './doc-examples.js';
import { guideExamples } from './markdown-examples.js';
import { runCommand } from './run-command.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const docs = join(root, 'docs');
const guides = readdirSync(join(docs, 'guides')).filter((f) => f.endsWith('.md'));
const pages = ['index.md', ...guides.map((g) => `guides/${g}`)];
// under this package's node_modules (ignored by git and lint; removed after) so '@losskit/*' resolve to the
// workspace packages through the source condition
const scratch = join(import.meta.dirname, '..', 'node_modules', '.cache', 'docs-examples');
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs', () => {
  it('the index links every guide', () => {
    const index = readFileSync(join(docs, 'index.md'), 'utf8');
    expect(guides.filter((g) => !index.includes(`(guides/${g})`))).toEqual([]);
  });

  it.each(pages)('%s: relative links point at files that exist', (page) => {
    const text = readFileSync(join(docs, page), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.filter((t) => !existsSync(resolve(dirname(join(docs, page)), t)))).toEqual([]);
  });

  const examples = guides.flatMap((guide) =>
    guideExamples(readFileSync(join(docs, 'guides', guide), 'utf8')).map((example) => ({ guide, ...example })),
  );

  it('every guide has a runnable example', () => {
    expect(guides.filter((g) => !examples.some((e) => e.guide === g))).toEqual([]);
  });

  it.each(examples.map((e) => ({ name: `${e.guide}:${e.line}`, ...e })))(
    '$name runs against the workspace sources',
    async ({ guide, line, code }) => {
      mkdirSync(scratch, { recursive: true });
      // Node looks for "type" no further up than node_modules: the examples are ES modules
      writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
      const file = join(scratch, `${guide.replace(/\.md$/, '')}-line-${line}.ts`);
      writeFileSync(file, code);
      const run = await runCommand(process.execPath, [tsx, '--conditions=source', file], { cwd: scratch, timeoutSeconds: 150 });
      expect(run.code, `docs/guides/${guide} line ${line} failed:\n${run.output}`).toBe(0);
    },
    180_000,
  );
});

const PUBLISHED = ['core', 'tfjs', 'onnx', 'onnx-train'];

/** Every source file of a published package (tests and test support left out). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.test(-support)?\.ts$|\.test-d\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('doc comment examples', () => {
  const examples = PUBLISHED.flatMap((pkg) => {
    const src = join(root, 'packages', pkg, 'src');
    return sourceFiles(src).flatMap((file) =>
      docExamples(readFileSync(file, 'utf8')).map((e) => ({ pkg, file: relative(root, file), ...e })),
    );
  });

  it('every published package has @example blocks', () => {
    expect(PUBLISHED.filter((pkg) => !examples.some((e) => e.pkg === pkg))).toEqual([]);
  });

  it('every @example type-checks against the workspace sources', async () => {
    const dir = join(scratch, 'jsdoc');
    mkdirSync(dir, { recursive: true });
    const names = examples.map((e) => `${e.file.replace(/[/.]/g, '_')}_line_${e.line}.ts`);
    for (const [i, e] of examples.entries()) writeFileSync(join(dir, names[i]!), `${e.code}\nexport {};\n`);
    const tsconfig = { extends: '@losskit/tsconfig/base.json', compilerOptions: { noEmit: true, types: ['node'] }, include: ['*.ts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const run = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir, timeoutSeconds: 150 });
    const failures = examples.flatMap((e, i) => {
      const errors = run.output.split('\n').filter((l) => l.startsWith(names[i]!));
      return errors.length ? [`${e.file}:${e.line}\n  ${errors.join('\n  ')}`] : [];
    });
    expect(failures).toEqual([]);
    expect(run.code, run.output).toBe(0);
  }, 180_000);
});
