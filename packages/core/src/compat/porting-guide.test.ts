import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from '../index.js';

/** The ts code blocks of docs/guides/porting.md, without their import lines. */
function examples(): string[] {
  const guide = readFileSync(new URL('../../../../docs/guides/porting.md', import.meta.url), 'utf8');
  return [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^import[\s\S]*?from '@losskit\/core';\n/m, ''));
}

describe('docs/guides/porting.md', () => {
  it('has its examples', () => {
    expect(examples().length).toBe(2);
  });
  for (const [i, body] of examples().entries())
    it(`example ${i + 1} runs and its checks hold`, () => {
      // each example throws when its result is not the peer's number
      const run = new Function(...Object.keys(core), body) as (...args: unknown[]) => void;
      expect(() => run(...Object.values(core))).not.toThrow();
    });
});
