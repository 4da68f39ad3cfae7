import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The fields of package.json the release checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  keywords?: string[];
  type?: string;
  sideEffects?: boolean | string[];
  engines?: Record<string, string>;
  repository?: string | { type?: string; url?: string; directory?: string };
  exports?: unknown;
  imports?: unknown;
  publishConfig?: Record<string, unknown>;
  files?: string[];
  bin?: string | Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** Absolute folder. */
  dir: string;
  /** Folder relative to the workspace root, e.g. `packages/core`. */
  path: string;
  manifest: Manifest;
}

/** The `packages:` globs of pnpm-workspace.yaml; only the `folder/*` form is used here. */
export function workspaceGlobs(yaml: string): string[] {
  const list = /^packages:\s*\n((?:\s+-\s+.*\n?)+)/m.exec(yaml)?.[1] ?? '';
  return [...list.matchAll(/-\s+['"]?([^'"\s#]+)/g)].map((m) => m[1]!);
}

/** Every workspace package (folders with a package.json matched by the workspace globs). */
export function workspacePackages(root: string): WorkspacePackage[] {
  const globs = workspaceGlobs(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8'));
  const found: WorkspacePackage[] = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) throw new Error(`pnpm-workspace.yaml: glob '${glob}' is not of the form 'folder/*'`);
    const parent = join(root, glob.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = join(parent, entry.name);
      const file = join(dir, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      found.push({ dir, path: relative(root, dir), manifest: JSON.parse(readFileSync(file, 'utf8')) as Manifest });
    }
  }
  return found;
}

export const isPublishable = (pkg: WorkspacePackage): boolean => pkg.manifest.private !== true;
