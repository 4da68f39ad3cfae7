import { describe, expect, it } from 'vitest';
import { docExamples } from './doc-examples.js';

describe('docExamples', () => {
  it('takes each @example up to the next tag, without comment markers or fences', () => {
    const source = [
      'const a = 1;', // 1
      '/**', // 2
      ' * Adds.', // 3
      ' *', // 4
      ' * @example', // 5
      ' * ```ts', // 6
      " * import { add } from '@losskit/core';", // 7
      " * add('x', 1);", // 8
      ' * ```', // 9
      ' * @param x the left side', // 10
      ' */', // 11
      'export const add = 1;', // 12
      '/**', // 13
      ' * @example', // 14
      ' * plain(1);', // 15
      ' */', // 16
      '/** No example here. */', // 17
    ].join('\n');
    expect(docExamples(source)).toEqual([
      { line: 5, code: "import { add } from '@losskit/core';\nadd('x', 1);\n" },
      { line: 14, code: 'plain(1);\n' },
    ]);
  });
});
