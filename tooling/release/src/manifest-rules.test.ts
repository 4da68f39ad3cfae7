import { describe, expect, it } from 'vitest';
import { type PackedPackage, RULES, checkManifest, privacyProblems } from './manifest-rules.js';
import type { TarballFile } from './tarball.js';
import type { Manifest, WorkspacePackage } from './workspace.js';

const sourceManifest: Manifest = {
  name: '@losskit/onnx',
  version: '1.2.3',
  description: 'ONNX backend',
  license: 'MIT',
  keywords: ['onnx'],
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20' },
  repository: { type: 'git', url: 'git+https://example.invalid/losskit.git', directory: 'packages/onnx' },
  exports: { '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } },
  publishConfig: { exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } },
  dependencies: { '@losskit/core': 'workspace:^', 'onnx-proto': '^8.0.1' },
  devDependencies: { '@losskit/test-utils': 'workspace:*' },
  peerDependencies: { 'onnxruntime-node': '>=1.20.0', 'onnxruntime-web': '>=1.20.0' },
  peerDependenciesMeta: { 'onnxruntime-node': { optional: true }, 'onnxruntime-web': { optional: true } },
};

const packedManifest: Manifest = {
  ...sourceManifest,
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
  dependencies: { '@losskit/core': '^0.1.0', 'onnx-proto': '^8.0.1' },
  devDependencies: { '@losskit/test-utils': '0.1.0' },
};

const file = (path: string, text = ''): TarballFile => ({ path, data: Buffer.from(text) });

const goodFiles: TarballFile[] = [
  file('package.json'),
  file('README.md'),
  file('LICENSE'),
  file('dist/index.js', "export * from './session.js';\nimport { Tensor } from 'onnxruntime-node';\nimport 'node:fs';\n"),
  file('dist/index.d.ts', "export * from './session.js';\nexport declare const x: import('@losskit/core').Node;\n"),
  file('dist/session.js', "import { ModelProto } from 'onnx-proto';\n"),
  file('dist/session.d.ts', 'export {};\n'),
];

/** Manifest fields to replace; undefined deletes a field. */
type ManifestChange = { [K in keyof Manifest]?: Manifest[K] | undefined };
const apply = (m: Manifest, change: ManifestChange = {}): Manifest =>
  JSON.parse(JSON.stringify({ ...m, ...change })) as Manifest;

function packageWith(change: {
  source?: ManifestChange;
  packed?: ManifestChange;
  files?: (files: TarballFile[]) => TarballFile[];
}): PackedPackage {
  const source: WorkspacePackage = { dir: '/w/packages/onnx', path: 'packages/onnx', manifest: apply(sourceManifest, change.source) };
  return {
    source,
    packed: apply(packedManifest, change.packed),
    files: change.files ? change.files(goodFiles) : goodFiles,
    privateNames: new Set(['@losskit/test-utils']),
  };
}

const without = (path: string) => (files: TarballFile[]) => files.filter((f) => f.path !== path);
const plus = (extra: TarballFile) => (files: TarballFile[]) => [...files, extra];

describe('manifest rules', () => {
  it('pass a well-formed package', () => {
    expect(checkManifest(packageWith({}))).toEqual([]);
  });

  // one row per way of getting it wrong: [rule, change, words the message must contain]
  const cases: [string, Parameters<typeof packageWith>[0], string][] = [
    ['metadata', { packed: { sideEffects: true } }, 'sideEffects is true'],
    ['metadata', { packed: { type: undefined } }, 'expected "module"'],
    ['metadata', { packed: { engines: {} } }, 'engines.node is missing'],
    ['metadata', { packed: { keywords: [] } }, 'keywords are missing'],
    ['license', { files: without('LICENSE') }, 'no LICENSE file'],
    ['license', { packed: { license: undefined } }, 'license is missing'],
    ['repository', { packed: { repository: undefined } }, 'repository is not set'],
    ['repository', { packed: { repository: { url: 'x', directory: 'packages/core' } } }, 'expected packages/onnx'],
    [
      'exports order',
      { source: { exports: { '.': { types: './dist/index.d.ts', source: './src/index.ts', default: './dist/index.js' } } } },
      '"source" must come first',
    ],
    ['exports order', { source: { exports: { '.': { default: './dist/index.js', types: './dist/index.d.ts' } } } }, '"default" must come last'],
    ['exports order', { source: { exports: { '.': { default: './dist/index.js' } } } }, 'no "types" condition'],
    [
      'packed exports',
      { packed: { exports: { '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } } } },
      'workspace-only "source" condition',
    ],
    ['packed exports', { files: without('dist/index.d.ts') }, '-> ./dist/index.d.ts, which is not in the tarball'],
    ['no test files', { files: plus(file('dist/session.test.js')) }, 'dist/session.test.js'],
    ['no test files', { files: plus(file('dist/losses/reference.test-support.d.ts')) }, 'reference.test-support.d.ts'],
    ['no test files', { files: plus(file('dist/testing/gradient-check.js')) }, 'dist/testing/gradient-check.js'],
    ['no test files', { files: plus(file('dist/__fixtures__/dice.txt')) }, 'dist/__fixtures__/dice.txt'],
    ['README', { files: without('README.md') }, 'README.md is not in the tarball'],
    ['source maps', { files: plus(file('dist/session.js.map', '{"sources":["../src/session.ts"]}')) }, 'src/session.ts, not in the tarball'],
    ['relative imports', { files: without('dist/session.js') }, 'dist/index.js imports dist/session.js'],
    ['subpath imports', { files: plus(file('dist/extra.js', "import x from '#rt';")) }, 'imports #rt, which package.json "imports" does not declare'],
    [
      'subpath imports',
      { files: plus(file('dist/extra.js', "import x from '#rt';")), packed: { imports: { '#rt': { source: './src/rt.ts', default: './dist/rt.js' } } } },
      'imports #rt > default -> ./dist/rt.js, which is not in the tarball',
    ],
    ['declared imports', { packed: { peerDependencies: {} } }, 'imports onnxruntime-node, which is not in'],
    ['declared imports', { packed: { dependencies: { 'onnx-proto': '^8.0.1' } } }, 'imports @losskit/core'],
    ['internal ranges', { source: { dependencies: { '@losskit/core': 'workspace:*' } } }, 'expected "workspace:^"'],
    ['internal ranges', { packed: { dependencies: { '@losskit/core': 'workspace:^', 'onnx-proto': '1' } } }, 'still "workspace:^"'],
    [
      'internal ranges',
      { packed: { dependencies: { ...packedManifest.dependencies, '@losskit/test-utils': '^0.1.0' } } },
      'private workspace package',
    ],
    ['peers', { packed: { peerDependenciesMeta: { 'onnxruntime-node': { optional: true } } } }, 'onnxruntime-web must be an optional peer'],
    [
      'peers',
      { packed: { dependencies: { ...packedManifest.dependencies, 'onnxruntime-node': '1.30.0' } } },
      'both a dependency and a peer dependency',
    ],
    ['peers', { packed: { peerDependenciesMeta: { x: { optional: true } } } }, 'peerDependenciesMeta.x has no'],
  ];

  it.each(cases.map(([rule, change, words]) => ({ rule, change, words })))('$rule: "$words"', ({ rule, change, words }) => {
    const problems = checkManifest(packageWith(change));
    expect(problems.map((p) => `${p.rule}: ${p.message}`).join('\n')).toContain(`${rule}: `);
    expect(problems.filter((p) => p.rule === rule).map((p) => p.message).join('\n')).toContain(words);
  });

  it('has a failing case for every rule', () => {
    expect(new Set(cases.map(([rule]) => rule))).toEqual(new Set(RULES.map((r) => r.name)));
  });

  it('asks @losskit/tfjs for tfjs-core as a required peer and tfjs-node(-gpu) as optional ones', () => {
    const tfjs = packageWith({
      packed: { name: '@losskit/tfjs', peerDependencies: { '@tensorflow/tfjs-core': '^4.0.0', '@tensorflow/tfjs-node': '^4.0.0' }, peerDependenciesMeta: {} },
    });
    expect(checkManifest(tfjs).filter((p) => p.rule === 'peers').map((p) => p.message)).toEqual([
      '@tensorflow/tfjs-node must be an optional peer dependency',
      '@tensorflow/tfjs-node-gpu must be an optional peer dependency',
    ]);
  });

  it('marks repository problems as notes, the rest as errors', () => {
    const problems = checkManifest(packageWith({ packed: { repository: undefined, sideEffects: true } }));
    expect(problems.map((p) => [p.rule, p.severity])).toEqual([
      ['metadata', 'error'],
      ['repository', 'note'],
    ]);
  });
});

describe('privacy', () => {
  it('requires apps and internal packages to be private', () => {
    const pkg = (path: string, name: string, isPrivate?: boolean): WorkspacePackage => ({
      dir: `/w/${path}`,
      path,
      manifest: { name, version: '0.0.0', ...(isPrivate === undefined ? {} : { private: isPrivate }) },
    });
    const problems = privacyProblems([
      pkg('apps/seg-bench', '@losskit/seg-bench', true),
      pkg('apps/loss-lab', '@losskit/loss-lab'),
      pkg('packages/test-utils', '@losskit/test-utils', false),
      pkg('packages/core', '@losskit/core'),
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      '@losskit/loss-lab (apps/loss-lab) must have "private": true',
      '@losskit/test-utils (packages/test-utils) must have "private": true',
    ]);
  });
});
