import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

/** Block comments and whole-line `//` comments (doc-comment examples hold import lines too). */
const COMMENTS = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

/** Module specifiers in `from '...'`, `import '...'` and `import('...')` (JS and .d.ts alike), comments left out. */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.replace(COMMENTS, '').matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"\n]+)\1/g)) found.add(m[2]!);
  return [...found];
}

export const isRelative = (specifier: string): boolean => specifier.startsWith('./') || specifier.startsWith('../');

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative and Node built-ins. */
export function packageOf(specifier: string): string | undefined {
  // '#x' is the package's own subpath import (package.json "imports"), not another package
  if (isRelative(specifier) || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('#')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}
