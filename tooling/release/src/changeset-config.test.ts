import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChangesetConfig, changesetProblems } from './changeset-config.js';
import { type WorkspacePackage, workspaceGlobs, workspacePackages } from './workspace.js';

const root = join(import.meta.dirname, '..', '..', '..');
const pkg = (name: string, isPrivate: boolean): WorkspacePackage => ({
  dir: `/w/${name}`,
  path: name,
  manifest: { name, version: '0.0.0', private: isPrivate },
});
const packages = [pkg('@losskit/core', false), pkg('@losskit/seg-bench', true)];
const good: ChangesetConfig = {
  fixed: [],
  linked: [],
  access: 'public',
  updateInternalDependencies: 'patch',
  ignore: [],
  privatePackages: { version: false, tag: false },
};

describe('changeset config', () => {
  it('accepts independent versions with private packages left alone', () => {
    expect(changesetProblems(good, packages)).toEqual([]);
  });

  it.each<[string, ChangesetConfig, string]>([
    ['fixed', { ...good, fixed: [['@losskit/core', '@losskit/tfjs']] }, '"fixed" groups packages'],
    ['linked', { ...good, linked: [['@losskit/core', '@losskit/tfjs']] }, '"linked" groups packages'],
    ['internal ranges', { ...good, updateInternalDependencies: 'none' }, 'updateInternalDependencies is "none"'],
    ['access', { ...good, access: 'restricted' }, 'access must be "public"'],
    ['unknown ignore', { ...good, ignore: ['@losskit/gone'] }, 'ignore lists @losskit/gone'],
    ['private versioned', { ...good, privatePackages: { version: true, tag: false } }, '@losskit/seg-bench is private'],
  ])('reports %s', (_, config, words) => {
    expect(changesetProblems(config, packages).map((p) => p.message).join('\n')).toContain(words);
  });

  it('holds for the repository', () => {
    const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')) as ChangesetConfig;
    expect(changesetProblems(config, workspacePackages(root))).toEqual([]);
  });
});

describe('workspace', () => {
  it('reads the package globs of pnpm-workspace.yaml', () => {
    expect(workspaceGlobs("packages:\n  - packages/*\n  - 'apps/*' # apps\n\nallowBuilds:\n  esbuild: true\n")).toEqual([
      'packages/*',
      'apps/*',
    ]);
  });

  it('finds the publishable packages of this repository', () => {
    const names = workspacePackages(root)
      .filter((p) => p.manifest.private !== true)
      .map((p) => p.manifest.name);
    expect(names).toContain('@losskit/core');
    expect(names).not.toContain('@losskit/test-utils');
  });
});
