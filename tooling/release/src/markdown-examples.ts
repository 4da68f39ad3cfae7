import { importSpecifiers, packageOf } from './dist-imports.js';

export interface ReadmeExample {
  /** 1-based line of the opening fence in the README. */
  readonly line: number;
  readonly code: string;
  /** Packages the example imports (Node built-ins left out). */
  readonly imports: readonly string[];
}

/**
 * The README's runnable examples: every ```ts (or ```typescript) block that imports the package
 * itself. A block that is only a sketch opts out with `no-run` in its info string (```ts no-run).
 */
export function readmeExamples(readme: string, packageName: string): ReadmeExample[] {
  const examples: ReadmeExample[] = [];
  const fence = /^```(\S*)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of readme.matchAll(fence)) {
    const [, lang = '', info = '', code = ''] = m;
    if (!['ts', 'typescript'].includes(lang) || /\bno-run\b/.test(info)) continue;
    const imports = [...new Set(importSpecifiers(code).map(packageOf).filter((p) => p !== undefined))];
    if (!imports.includes(packageName)) continue;
    examples.push({ line: readme.slice(0, m.index).split('\n').length, code, imports });
  }
  return examples;
}
