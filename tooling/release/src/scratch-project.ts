import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type CommandResult, runCommand } from './run-command.js';

/**
 * A project outside the workspace that installs the packed tarballs the way a user would (npm,
 * registry dependencies), so the examples run against what would be published, not against src/.
 */
export interface ScratchProject {
  readonly dir: string;
  /** Package name -> tarball file. */
  readonly tarballs: ReadonlyMap<string, string>;
  /** Registry packages the examples need (peers, example imports, @types/node) -> exact version. */
  readonly registry: Readonly<Record<string, string>>;
}

/** Where a workspace has `name` installed: the first of `dirs` whose node_modules holds it. */
export function installedVersion(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return undefined;
}

/**
 * package.json of the scratch project. Every @losskit package is a `file:` tarball, and an override
 * pins every internal dependency to that same tarball, so npm can never fetch a @losskit package
 * from the registry instead.
 */
export function scratchManifest(project: ScratchProject): Record<string, unknown> {
  const local = Object.fromEntries([...project.tarballs].map(([name, file]) => [name, `file:${relative(project.dir, file)}`]));
  return {
    name: 'losskit-release-scratch',
    private: true,
    type: 'module',
    dependencies: { ...project.registry, ...local },
    overrides: Object.fromEntries(Object.keys(local).map((name) => [name, `$${name}`])),
  };
}

/** Strict consumer settings: Node's own ESM resolution, as a user's TypeScript project would have. */
const SCRATCH_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['examples'],
};

export async function writeScratchProject(project: ScratchProject): Promise<void> {
  await mkdir(join(project.dir, 'examples'), { recursive: true });
  await writeFile(join(project.dir, 'package.json'), `${JSON.stringify(scratchManifest(project), null, 2)}\n`);
  await writeFile(join(project.dir, 'tsconfig.json'), `${JSON.stringify(SCRATCH_TSCONFIG, null, 2)}\n`);
}

/** npm install; scripts off (onnxruntime-node's postinstall only downloads the CUDA provider). */
export function installScratchProject(dir: string): Promise<CommandResult> {
  return runCommand('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeoutSeconds: 300,
  });
}

/** Every installed copy of a @losskit package must come from a tarball here, never from the registry. */
export function registryCopies(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, { resolved?: string; link?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path]) => /(^|\/)node_modules\/@losskit\/[^/]+$/.test(path))
    .filter(([, entry]) => !(entry.resolved ?? '').startsWith('file:'))
    .map(([path, entry]) => `${path} <- ${entry.resolved ?? 'unknown source'}`);
}
