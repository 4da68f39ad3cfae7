import { dirname, posix } from 'node:path';
import { importSpecifiers, isRelative, packageOf } from './dist-imports.js';
import type { TarballFile } from './tarball.js';
import type { Manifest, WorkspacePackage } from './workspace.js';

/** What a rule sees: the package in the workspace, and what `pnpm pack` made of it. */
export interface PackedPackage {
  readonly source: WorkspacePackage;
  /** package.json as packed (workspace: ranges rewritten, publishConfig applied). */
  readonly packed: Manifest;
  readonly files: readonly TarballFile[];
  /** Names of the private workspace packages (nothing published may depend on them). */
  readonly privateNames: ReadonlySet<string>;
}

export interface Problem {
  readonly rule: string;
  readonly message: string;
  /** Notes are printed but do not fail the check (facts only a maintainer can supply). */
  readonly severity: 'error' | 'note';
}

interface Rule {
  readonly name: string;
  /** Why the rule exists, in a line. */
  readonly why: string;
  check(pkg: PackedPackage): string[];
  readonly severity?: 'note';
}

/** Peers each backend package must declare: what its code imports but the user's app provides. */
const PEER_POLICY: Readonly<Record<string, { required: readonly string[]; optional: readonly string[] }>> = {
  '@losskit/tfjs': { required: ['@tensorflow/tfjs-core'], optional: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] },
  // either runtime: onnxruntime-node in Node, onnxruntime-web in browsers (a web app must not install the other)
  '@losskit/onnx': { required: [], optional: ['onnxruntime-node', 'onnxruntime-web'] },
  '@losskit/onnx-train': { required: [], optional: ['onnxruntime-node', 'onnxruntime-web'] },
};

/** Files that exist for tests only: test files, test support, fixtures, `testing/` helpers. */
const TEST_ONLY = /(^|\/)(__fixtures__|__snapshots__|testing)\/|\.(test|spec)(-d|-support)?\.[^/]*$/;

const RUNTIME_DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

function exportTargets(value: unknown, path: string[] = []): { path: string[]; target: string }[] {
  if (typeof value === 'string') return [{ path, target: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => exportTargets(v, [...path, key]));
}

function conditionObjects(value: unknown, path: string[] = []): { path: string[]; keys: string[] }[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const keys = Object.keys(value);
  const here = keys.some((k) => k.startsWith('.')) ? [] : [{ path, keys }];
  return [...here, ...Object.entries(value).flatMap(([k, v]) => conditionObjects(v, [...path, k]))];
}

const shipped = (pkg: PackedPackage): Set<string> => new Set(pkg.files.map((f) => f.path));
const text = (file: TarballFile): string => file.data.toString('utf8');
const runtimeDependencies = (m: Manifest): Set<string> =>
  new Set(RUNTIME_DEPENDENCY_FIELDS.flatMap((field) => Object.keys(m[field] ?? {})));

export const RULES: readonly Rule[] = [
  {
    name: 'metadata',
    why: 'npm shows these; ESM-only packages need type: module; bundlers drop unused code only with sideEffects: false',
    check: ({ packed: m }) => [
      ...(m.description ? [] : ['description is missing']),
      ...(m.keywords?.length ? [] : ['keywords are missing (npm search uses them)']),
      ...(m.type === 'module' ? [] : [`type is ${JSON.stringify(m.type)}, expected "module" (the build emits ESM)`]),
      ...(m.sideEffects === false ? [] : [`sideEffects is ${JSON.stringify(m.sideEffects)}, expected false`]),
      ...(m.engines?.node ? [] : ['engines.node is missing (expected ">=20")']),
    ],
  },
  {
    name: 'license',
    why: 'a declared license and its text in the tarball',
    check: (pkg) => [
      ...(pkg.packed.license ? [] : ['license is missing']),
      ...(pkg.files.some((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f.path))
        ? []
        : ['no LICENSE file in the tarball (add LICENSE at the workspace root or in the package)']),
    ],
  },
  {
    name: 'repository',
    why: 'npm links to the source; provenance needs repository.url',
    severity: 'note',
    check: ({ packed: m, source }) => {
      const repo = m.repository;
      if (repo === undefined) return ['repository is not set (needs the public git URL)'];
      if (typeof repo === 'string') return [`repository should be an object with url and directory "${source.path}"`];
      return [
        ...(repo.url ? [] : ['repository.url is missing']),
        ...(repo.directory === source.path ? [] : [`repository.directory is ${repo.directory}, expected ${source.path}`]),
      ];
    },
  },
  {
    name: 'exports order',
    why: 'conditions match in order: source (workspace only) first, types before default, default last',
    check: ({ source }) =>
      conditionObjects(source.manifest.exports).flatMap(({ path, keys }) => {
        const where = `exports${path.map((p) => `["${p}"]`).join('')}`;
        const problems: string[] = [];
        if (keys.includes('source') && keys[0] !== 'source') problems.push(`${where}: "source" must come first`);
        if (keys.includes('default') && keys.at(-1) !== 'default') problems.push(`${where}: "default" must come last`);
        if (!keys.includes('types') && keys.includes('default')) problems.push(`${where}: no "types" condition`);
        if (keys.includes('types') && keys.includes('default') && keys.indexOf('types') > keys.indexOf('default'))
          problems.push(`${where}: "types" must precede "default"`);
        return problems;
      }),
  },
  {
    name: 'packed exports',
    why: 'the source condition is for the workspace only (publishConfig.exports drops it); every target must ship',
    check: (pkg) => {
      const files = shipped(pkg);
      const targets = exportTargets(pkg.packed.exports);
      return [
        ...(targets.length ? [] : ['packed package.json has no exports']),
        ...targets
          .filter(({ path }) => path.includes('source'))
          .map(({ path }) => `packed exports keep the workspace-only "source" condition at ${path.join(' > ')}`),
        ...targets
          .filter(({ target }) => !files.has(posix.normalize(target)))
          .map(({ path, target }) => `exports ${path.join(' > ')} -> ${target}, which is not in the tarball`),
      ];
    },
  },
  {
    name: 'no test files',
    why: 'tests, fixtures and test helpers stay out of the tarball',
    check: ({ files }) => {
      const stray = files.filter((f) => TEST_ONLY.test(f.path)).map((f) => f.path);
      return stray.length ? [`${stray.length} test-only file(s) packed, e.g. ${stray.slice(0, 3).join(', ')}`] : [];
    },
  },
  {
    name: 'README',
    why: 'the npm page and the runnable example',
    check: ({ files }) => (files.some((f) => f.path === 'README.md') ? [] : ['README.md is not in the tarball']),
  },
  {
    name: 'source maps',
    why: 'a map whose sources are not shipped makes bundlers warn and debuggers show nothing',
    check: (pkg) => {
      const files = shipped(pkg);
      return pkg.files
        .filter((f) => f.path.endsWith('.map'))
        .flatMap((f) => {
          const { sources = [] } = JSON.parse(text(f)) as { sources?: string[] };
          const missing = sources.filter((s) => !files.has(posix.join(dirname(f.path), s)));
          return missing.length ? [`${f.path} points at ${missing.join(', ')}, not in the tarball`] : [];
        })
        .slice(0, 3);
    },
  },
  {
    name: 'relative imports',
    why: 'every file a shipped module imports must ship too',
    check: (pkg) => {
      const files = shipped(pkg);
      return pkg.files
        .filter((f) => /\.(js|d\.ts)$/.test(f.path))
        .flatMap((f) =>
          importSpecifiers(text(f))
            .filter(isRelative)
            .map((s) => posix.join(dirname(f.path), s))
            // a .d.ts importing './x.js' means './x.d.ts'
            .filter((target) => !files.has(f.path.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target))
            .map((target) => `${f.path} imports ${target}, which is not in the tarball`),
        );
    },
  },
  {
    name: 'subpath imports',
    why: 'a "#x" import resolves through package.json "imports": it must be declared there and its targets must ship',
    check: (pkg) => {
      const files = shipped(pkg);
      const imports = (pkg.packed.imports ?? {}) as Record<string, unknown>;
      const problems = new Set<string>();
      for (const f of pkg.files.filter((file) => /\.(js|d\.ts)$/.test(file.path)))
        for (const specifier of importSpecifiers(text(f)).filter((s) => s.startsWith('#'))) {
          if (!Object.hasOwn(imports, specifier)) {
            problems.add(`${f.path} imports ${specifier}, which package.json "imports" does not declare`);
            continue;
          }
          // the "source" branches are the workspace's (tests read src/); every other target must ship
          for (const { path, target } of exportTargets({ [specifier]: imports[specifier] }))
            if (!path.includes('source') && !files.has(posix.normalize(target)))
              problems.add(`imports ${path.join(' > ')} -> ${target}, which is not in the tarball`);
        }
      return [...problems];
    },
  },
  {
    name: 'declared imports',
    why: 'a package imported by shipped code must be a dependency or a peer, or users get "cannot find module"',
    check: (pkg) => {
      const declared = runtimeDependencies(pkg.packed);
      const missing = new Map<string, string>();
      for (const f of pkg.files.filter((file) => /\.(js|d\.ts)$/.test(file.path)))
        for (const name of importSpecifiers(text(f)).map(packageOf))
          if (name && name !== pkg.packed.name && !declared.has(name) && !missing.has(name)) missing.set(name, f.path);
      return [...missing].map(([name, file]) => `${file} imports ${name}, which is not in dependencies or peerDependencies`);
    },
  },
  {
    name: 'internal ranges',
    why: 'workspace:^ lets changesets write ^x.y.z on release; private packages cannot be installed by users',
    check: (pkg) =>
      RUNTIME_DEPENDENCY_FIELDS.flatMap((field) => [
        ...Object.entries(pkg.source.manifest[field] ?? {})
          .filter(([name, range]) => name.startsWith('@losskit/') && range !== 'workspace:^')
          .map(([name, range]) => `${field}.${name} is "${range}", expected "workspace:^"`),
        ...Object.entries(pkg.packed[field] ?? {})
          .filter(([, range]) => range.startsWith('workspace:'))
          .map(([name, range]) => `packed ${field}.${name} is still "${range}"`),
        ...Object.keys(pkg.packed[field] ?? {})
          .filter((name) => pkg.privateNames.has(name))
          .map((name) => `${field}.${name} is a private workspace package`),
      ]),
  },
  {
    name: 'peers',
    why: 'the framework is the user\'s to install once (PEER_POLICY); optional peers are marked so',
    check: ({ packed: m }) => {
      const policy = PEER_POLICY[m.name] ?? { required: [], optional: [] };
      const peers = m.peerDependencies ?? {};
      const optional = (name: string): boolean => m.peerDependenciesMeta?.[name]?.optional === true;
      return [
        ...policy.required.filter((n) => !(n in peers) || optional(n)).map((n) => `${n} must be a required peer dependency`),
        ...policy.optional.filter((n) => !(n in peers) || !optional(n)).map((n) => `${n} must be an optional peer dependency`),
        ...Object.keys(m.peerDependenciesMeta ?? {})
          .filter((n) => !(n in peers))
          .map((n) => `peerDependenciesMeta.${n} has no peerDependencies entry`),
        ...Object.keys(peers)
          .filter((n) => n in (m.dependencies ?? {}))
          .map((n) => `${n} is both a dependency and a peer dependency`),
      ];
    },
  },
];

/** Every rule's problems for one packed package. */
export function checkManifest(pkg: PackedPackage): Problem[] {
  return RULES.flatMap((rule) =>
    rule.check(pkg).map((message) => ({ rule: rule.name, message, severity: rule.severity ?? ('error' as const) })),
  );
}

/** Apps and the listed internal packages are never published. */
const MUST_BE_PRIVATE: readonly string[] = ['@losskit/test-utils', '@losskit/tsconfig', '@losskit/release'];

export function privacyProblems(packages: readonly WorkspacePackage[]): Problem[] {
  return packages
    .filter((p) => (p.path.startsWith('apps/') || MUST_BE_PRIVATE.includes(p.manifest.name)) && p.manifest.private !== true)
    .map((p) => ({ rule: 'private', message: `${p.manifest.name} (${p.path}) must have "private": true`, severity: 'error' }));
}
