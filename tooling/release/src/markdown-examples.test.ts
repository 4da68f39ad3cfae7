import { describe, expect, it } from 'vitest';
import { importSpecifiers, packageOf } from './dist-imports.js';
import { guideExamples, readmeExamples } from './markdown-examples.js';

const readme = [
  '# @scope/pkg', // 1
  '', // 2
  '```ts', // 3
  "import { a } from '@scope/pkg';", // 4
  "import { b } from '@scope/other/sub';", // 5
  "import { readFile } from 'node:fs/promises';", // 6
  'a(b);', // 7
  '```', // 8
  '', // 9
  '```ts no-run', // 10
  "import { a } from '@scope/pkg';", // 11
  'a(notDefinedHere);', // 12
  '```', // 13
  '', // 14
  '```sh', // 15
  "echo \"import { a } from '@scope/pkg'\"", // 16
  '```', // 17
  '', // 18
  '```ts', // 19
  'const fragment = 1; // imports nothing: not a runnable example', // 20
  '```', // 21
  '', // 22
  '```typescript', // 23
  "import * as pkg from '@scope/pkg';", // 24
  "const lazy = await import('lodash');", // 25
  '```', // 26
].join('\n');

describe('readmeExamples', () => {
  it('takes ts blocks that import the package, skips no-run blocks, other languages and fragments', () => {
    const examples = readmeExamples(readme, '@scope/pkg');
    expect(examples.map((e) => e.line)).toEqual([3, 23]);
    expect(examples[0]!.code).toBe(
      "import { a } from '@scope/pkg';\nimport { b } from '@scope/other/sub';\nimport { readFile } from 'node:fs/promises';\na(b);\n",
    );
    expect(examples[0]!.imports).toEqual(['@scope/pkg', '@scope/other']);
    expect(examples[1]!.imports).toEqual(['@scope/pkg', 'lodash']);
  });

  it('finds nothing in a README without an example of the package', () => {
    expect(readmeExamples(readme, '@scope/absent')).toEqual([]);
  });

  it('takes every block of a guide that imports a @losskit package', () => {
    const guide = "```ts\nimport { a } from '@losskit/core';\nimport * as tf from '@tensorflow/tfjs';\n```\n\n```ts\nimport x from 'y';\n```\n";
    expect(guideExamples(guide).map((e) => [e.line, e.imports])).toEqual([[1, ['@losskit/core', '@tensorflow/tfjs']]]);
  });
});

describe('import specifiers', () => {
  it('reads static, re-export, side-effect and dynamic imports, and import types in .d.ts', () => {
    const source = [
      "import a from 'x';",
      "export { b } from './b.js';",
      "import 'side-effect';",
      "const c = await import('dyn/sub');",
      "export declare const d: import('@s/t').T;",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['x', './b.js', 'side-effect', 'dyn/sub', '@s/t']);
  });

  it('leaves out imports written in comments (doc-comment examples)', () => {
    const source = ["/**", " * @example", " * import * as tf from '@tensorflow/tfjs';", " */", "// import 'nope';", "import a from 'x';"].join('\n');
    expect(importSpecifiers(source)).toEqual(['x']);
  });

  it('maps specifiers to package names, leaving out relative paths and Node built-ins', () => {
    expect(['@s/t/deep/x.js', 'lodash/fp', './a.js', '../b.js', 'node:fs', 'fs', 'path/posix'].map(packageOf)).toEqual([
      '@s/t',
      'lodash',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
