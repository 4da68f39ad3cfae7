/** One `@example` of a doc comment. */
export interface DocExample {
  /** 1-based line of the `@example` tag. */
  readonly line: number;
  readonly code: string;
}

/**
 * The `@example` blocks of a TypeScript source's doc comments, comment markers and a ```ts fence
 * (if any) removed. An example runs to the next block tag or the end of its comment.
 */
export function docExamples(source: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0]
      .replace(/^\/\*\*|\*\/$/g, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''));
    const startLine = source.slice(0, comment.index).split('\n').length;
    for (let i = 0; i < lines.length; i++) {
      if (!/^@example\b/.test(lines[i]!.trim())) continue;
      const body: string[] = [];
      for (let j = i + 1; j < lines.length && !/^@\w+/.test(lines[j]!.trim()); j++) body.push(lines[j]!);
      const code = body
        .join('\n')
        .replace(/^\s*```\w*\n|\n```\s*$/g, '')
        .trim();
      if (code) examples.push({ line: startLine + i, code: `${code}\n` });
    }
  }
  return examples;
}
