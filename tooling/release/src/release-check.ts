/**
 * pnpm release:check — proves the packages as they would be published work:
 * build -> pnpm pack -> manifest rules, publint --strict, attw (esm-only) on each tarball ->
 * npm install of all tarballs into a project outside the workspace -> type-check and run every
 * README example there. Prints a table and exits non-zero on any failure.
 *
 * The guides' examples (docs/guides/*.md) run there too: they are what users copy.
 *
 * Last, the API reference (typedoc) must build.
 *
 *   pnpm release:check [--keep] [--skip-build] [--skip-docs]
 *     --keep        keep the scratch folder (printed) for a look around
 *     --skip-build  use the dist/ folders as they are
 *     --skip-docs   leave out the API reference build
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type ChangesetConfig, changesetProblems } from './changeset-config.js';
import { type PackedPackage, type Problem, checkManifest, privacyProblems } from './manifest-rules.js';
import { type LintResult, attwTarball, publintTarball } from './package-linters.js';
import { type CodeExample, guideExamples, readmeExamples } from './markdown-examples.js';
import { formatBytes, renderTable } from './report-table.js';
import { inPool, runCommand } from './run-command.js';
import { installScratchProject, installedVersion, registryCopies, writeScratchProject } from './scratch-project.js';
import { readTarball } from './tarball.js';
import { type Manifest, type WorkspacePackage, isPublishable, workspacePackages } from './workspace.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const step = (message: string): void => console.log(`[${elapsed()}] ${message}`);
const tail = (text: string, lines = 25): string => text.trim().split('\n').slice(-lines).join('\n');

interface ExampleRun {
  readonly example: CodeExample;
  /** Where it is written in the scratch project. */
  readonly file: string;
  ok?: boolean;
  seconds?: number;
}

/** A README or a guide: its examples and what went wrong with them. */
interface ExampleSource {
  /** `README.md` (of a package), `docs/guides/tfjs.md`. */
  readonly label: string;
  examples: ExampleRun[];
  readonly failures: string[];
}

interface PackageReport extends ExampleSource {
  readonly pkg: WorkspacePackage;
  /** undefined: not built here (--skip-build). */
  built?: boolean;
  tarball?: string;
  packedBytes?: number;
  unpackedBytes?: number;
  fileCount?: number;
  manifest?: Problem[];
  publint?: LintResult & { suggestions: readonly string[] };
  attw?: LintResult;
}

const packages = workspacePackages(root);
const publishable = packages.filter(isPublishable);
const reports: PackageReport[] = publishable.map((pkg) => ({
  pkg,
  label: 'README.md',
  ...(args.has('--skip-build') ? {} : { built: true }),
  examples: [],
  failures: [],
}));
const guidesDir = join(root, 'docs', 'guides');
const guides: ExampleSource[] = readdirSync(guidesDir)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => ({
    label: `docs/guides/${f}`,
    examples: guideExamples(readFileSync(join(guidesDir, f), 'utf8')).map((example) => ({
      example,
      file: `examples/guide-${f.replace(/\.md$/, '')}-line-${example.line}.ts`,
    })),
    failures: [],
  }));
for (const g of guides) if (g.examples.length === 0) g.failures.push('no runnable example (a ```ts block importing @losskit)');
const globalFailures: string[] = [];
const notes: string[] = [];

// 0. workspace-wide rules: who is private, how changesets versions
const changesetConfig = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')) as ChangesetConfig;
for (const p of [...privacyProblems(packages), ...changesetProblems(changesetConfig, packages)])
  globalFailures.push(`${p.rule}: ${p.message}`);

// 1. build every publishable package (turbo builds their dependencies first)
if (!args.has('--skip-build')) {
  step(`building ${publishable.map((r) => r.manifest.name).join(', ')}`);
  // a clean dist/: files left over from deleted sources must not reach the tarball (turbo restores cached builds)
  for (const p of publishable) await rm(join(p.dir, 'dist'), { recursive: true, force: true });
  const filters = publishable.map((p) => `--filter=${p.manifest.name}`);
  const build = await runCommand('pnpm', ['exec', 'turbo', 'run', 'build', ...filters, '--continue', '--output-logs=errors-only'], {
    cwd: root,
    timeoutSeconds: 300,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (build.code !== 0) {
    const failed = new Set([...build.output.matchAll(/(@losskit\/[\w-]+)#build/g)].map((m) => m[1]!));
    for (const report of reports) if (failed.has(report.pkg.manifest.name)) report.built = false;
    globalFailures.push(`build failed (${[...failed].join(', ') || 'see output'}):\n${tail(build.output)}`);
  }
}

// 2. pack each into a folder outside the workspace
const scratch = await mkdtemp(join(tmpdir(), 'losskit-release-'));
const tarballDir = join(scratch, 'tarballs');
await mkdir(tarballDir);
step(`packing into ${tarballDir}`);
const privateNames = new Set(packages.filter((p) => !isPublishable(p)).map((p) => p.manifest.name));
const packed = new Map<PackageReport, PackedPackage>();
for (const report of reports) {
  const run = await runCommand('pnpm', ['pack', '--json', '--pack-destination', tarballDir], { cwd: report.pkg.dir, timeoutSeconds: 120 });
  const filename = run.code === 0 ? (JSON.parse(run.stdout) as { filename?: string }).filename : undefined;
  if (!filename) {
    report.failures.push(`pnpm pack failed:\n${tail(run.output)}`);
    continue;
  }
  const bytes = await readFile(filename);
  const files = readTarball(bytes);
  const manifestFile = files.find((f) => f.path === 'package.json');
  if (!manifestFile) {
    report.failures.push('the tarball has no package.json');
    continue;
  }
  report.tarball = filename;
  report.packedBytes = bytes.length;
  report.unpackedBytes = files.reduce((sum, f) => sum + f.data.length, 0);
  report.fileCount = files.length;
  const pack: PackedPackage = { source: report.pkg, packed: JSON.parse(manifestFile.data.toString('utf8')) as Manifest, files, privateNames };
  packed.set(report, pack);
  const readme = files.find((f) => f.path === 'README.md')?.data.toString('utf8') ?? '';
  report.examples = readmeExamples(readme, report.pkg.manifest.name).map((example) => ({
    example,
    file: `examples/${report.pkg.manifest.name.replace(/^@/, '').replace('/', '-')}-readme-line-${example.line}.ts`,
  }));
  if (report.examples.length === 0)
    report.failures.push("README.md has no runnable example (a ```ts block importing the package; a sketch is marked 'ts no-run')");
}

// 3. manifest rules, publint and attw on each tarball
step('checking manifests, publint --strict, attw --profile esm-only');
await inPool([...packed], 2, async ([report, pack]) => {
  report.manifest = checkManifest(pack);
  report.publint = await publintTarball(await readFile(report.tarball!));
  report.attw = await attwTarball(root, report.tarball!);
  for (const p of report.manifest.filter((m) => m.severity === 'error')) report.failures.push(`${p.rule}: ${p.message}`);
  for (const p of report.manifest.filter((m) => m.severity === 'note')) notes.push(`${report.pkg.manifest.name}: ${p.message}`);
  for (const p of report.publint.problems) report.failures.push(`publint: ${p}`);
  for (const p of report.publint.suggestions) notes.push(`${report.pkg.manifest.name}: publint suggests ${p}`);
  for (const p of report.attw.problems) report.failures.push(`attw: ${p}`);
});

// 4. install the tarballs the way a user would, then type-check and run the README and guide examples
const project = join(scratch, 'project');
const withTarball = reports.filter((r) => r.tarball);
const sources: ExampleSource[] = [...withTarball, ...guides];
const packedNames = new Set(withTarball.map((r) => r.pkg.manifest.name));
const lookIn = [...publishable.map((p) => p.dir), join(import.meta.dirname, '..'), root];
const needed = new Set(['@types/node']);
for (const r of withTarball) {
  const { peerDependencies = {}, peerDependenciesMeta = {} } = packed.get(r)!.packed;
  for (const name of Object.keys(peerDependencies)) if (peerDependenciesMeta[name]?.optional !== true) needed.add(name);
}
for (const s of sources)
  for (const { example } of s.examples) {
    for (const name of example.imports) if (!name.startsWith('@losskit/')) needed.add(name);
    for (const name of example.imports.filter((n) => n.startsWith('@losskit/') && !packedNames.has(n)))
      s.failures.push(`${s.label} line ${example.line} imports ${name}, which is not published or failed to pack`);
  }
const registry: Record<string, string> = {};
for (const name of [...needed].sort()) {
  const version = installedVersion(name, lookIn);
  if (version) registry[name] = version;
  else globalFailures.push(`an example or peer needs ${name}, which no publishable package has installed (add it as a devDependency)`);
}

const tarballs = new Map(withTarball.map((r) => [r.pkg.manifest.name, r.tarball!]));
await writeScratchProject({ dir: project, tarballs, registry });
for (const s of sources) for (const e of s.examples) await writeFile(join(project, e.file), e.example.code);
step(`npm install in ${project} (${tarballs.size} tarballs; ${Object.keys(registry).join(', ')} from the registry)`);
const install = await installScratchProject(project);
if (install.code !== 0) globalFailures.push(`npm install of the tarballs failed:\n${tail(install.output)}`);
else {
  for (const copy of registryCopies(project)) globalFailures.push(`a @losskit package came from the registry, not a tarball: ${copy}`);
  const examples = sources.flatMap((s) => s.examples);
  if (examples.length > 0) {
    step(`type-checking ${examples.length} example(s) against the packed types (NodeNext, strict)`);
    const tsc = require.resolve('typescript/bin/tsc');
    const check = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeoutSeconds: 180 });
    if (check.code !== 0) {
      for (const s of sources)
        for (const e of s.examples) {
          const errors = check.output.split('\n').filter((l) => l.startsWith(e.file));
          if (errors.length) {
            e.ok = false;
            s.failures.push(`${s.label} line ${e.example.line} does not type-check:\n${errors.join('\n')}`);
          }
        }
      if (examples.every((e) => e.ok !== false)) globalFailures.push(`type-check of the examples failed:\n${tail(check.output)}`);
    }
  }
  const tsx = require.resolve('tsx/cli');
  for (const s of sources)
    for (const e of s.examples) {
      step(`running ${e.file}`);
      const run = await runCommand(process.execPath, [tsx, e.file], { cwd: project, timeoutSeconds: 180 });
      e.seconds = run.seconds;
      if (run.code !== 0) {
        e.ok = false;
        const why = run.timedOut ? 'timed out after 180 s' : `exited ${run.code}`;
        s.failures.push(`${s.label} line ${e.example.line} ${why}:\n${tail(run.output)}`);
      } else e.ok ??= true;
    }
}

// 5. the API reference builds (typedoc.json; written to the scratch folder, not docs/api)
if (!args.has('--skip-docs')) {
  step('building the API reference (typedoc)');
  const typedoc = join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc');
  const docs = await runCommand(process.execPath, [typedoc, '--out', join(scratch, 'api'), '--logLevel', 'Warn'], {
    cwd: root,
    timeoutSeconds: 300,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const warnings = docs.output.split('\n').filter((l) => l.includes('[warning]') && !/Found \d+ errors/.test(l));
  if (docs.code !== 0) globalFailures.push(`the API reference (typedoc) does not build:\n${tail(docs.output)}`);
  for (const w of warnings) notes.push(`typedoc: ${w.replace(/^.*\[warning\]\s*/, '')}`);
}

// 6. report
const mark = (ok: boolean | undefined): string => (ok === undefined ? '-' : ok ? 'ok' : 'FAIL');
const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const exampleCell = (s: ExampleSource): string => {
  if (s.examples.length === 0) return 'FAIL (none)';
  const ran = s.examples.filter((e) => e.ok !== undefined);
  const passed = ran.filter((e) => e.ok).length;
  const seconds = ran.reduce((sum, e) => sum + (e.seconds ?? 0), 0);
  return `${passed === s.examples.length ? 'ok' : 'FAIL'} (${passed}/${s.examples.length}, ${seconds.toFixed(1)} s)`;
};
console.log(`\n${renderTable(
  ['package', 'version', 'packed', 'unpacked', 'files', 'build', 'manifest', 'publint', 'attw', 'README examples'],
  reports.map((r) => {
    const manifestErrors = r.manifest?.filter((p) => p.severity === 'error').length;
    return [
      r.pkg.manifest.name,
      r.pkg.manifest.version,
      r.packedBytes === undefined ? '-' : formatBytes(r.packedBytes),
      r.unpackedBytes === undefined ? '-' : formatBytes(r.unpackedBytes),
      String(r.fileCount ?? '-'),
      mark(r.built),
      manifestErrors === undefined ? '-' : manifestErrors === 0 ? 'ok' : `FAIL (${manifestErrors})`,
      mark(r.publint?.ok),
      mark(r.attw?.ok),
      exampleCell(r),
    ];
  }),
)}\n`);
console.log(`${renderTable(['guide', 'examples'], guides.map((g) => [g.label, exampleCell(g)]))}\n`);

const failures = [
  ...globalFailures,
  ...reports.flatMap((r) => r.failures.map((f) => `${r.pkg.manifest.name}: ${f}`)),
  ...guides.flatMap((g) => g.failures.map((f) => (f.startsWith(g.label) ? f : `${g.label}: ${f}`))),
];
if (notes.length) console.log(`Notes (not failures):\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
if (failures.length) console.log(`Failures:\n${failures.map((f) => `  - ${f.replace(/\n/g, '\n      ')}`).join('\n')}\n`);
if (args.has('--keep')) console.log(`scratch folder kept: ${scratch}`);
else await rm(scratch, { recursive: true, force: true });
console.log(`release:check ${failures.length ? `FAILED (${count(failures.length, 'problem')})` : 'passed'} in ${elapsed()}`);
process.exitCode = failures.length ? 1 : 0;

