import { importSpecifiers, packageOf } from './dist-imports.js';

export interface CodeExample {
  /** 1-based line of the opening fence in the Markdown file. */
  readonly line: number;
  readonly code: string;
  /** Packages the example imports (Node built-ins left out). */
  readonly imports: readonly string[];
}

/**
 * The runnable examples of a Markdown page: ```ts (or ```typescript) blocks whose imports pass
 * `accept`. A block that is only a sketch opts out with `no-run` in its info string (```ts no-run).
 */
function codeExamples(markdown: string, accept: (imports: readonly string[]) => boolean): CodeExample[] {
  const examples: CodeExample[] = [];
  const fence = /^```(\S*)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of markdown.matchAll(fence)) {
    const [, lang = '', info = '', code = ''] = m;
    if (!['ts', 'typescript'].includes(lang) || /\bno-run\b/.test(info)) continue;
    const imports = [...new Set(importSpecifiers(code).map(packageOf).filter((p) => p !== undefined))];
    if (!accept(imports)) continue;
    examples.push({ line: markdown.slice(0, m.index).split('\n').length, code, imports });
  }
  return examples;
}

/** A package README's examples: the blocks that import the package itself. */
export const readmeExamples = (readme: string, packageName: string): CodeExample[] =>
  codeExamples(readme, (imports) => imports.includes(packageName));

/** A guide's examples: the blocks that import any @losskit package. */
export const guideExamples = (guide: string): CodeExample[] =>
  codeExamples(guide, (imports) => imports.some((name) => name.startsWith('@losskit/')));
