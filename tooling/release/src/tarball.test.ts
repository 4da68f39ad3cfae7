import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarball } from './tarball.js';

const dir = mkdtempSync(join(tmpdir(), 'tarball-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTarball', () => {
  it.each(['gnu', 'pax'])('lists regular files with contents, without package/, long names in %s format', (format) => {
    const longDir = `dist/${'a-rather-long-folder-name/'.repeat(6)}`;
    mkdirSync(join(dir, 'package', longDir), { recursive: true });
    writeFileSync(join(dir, 'package', 'package.json'), '{"name":"x"}');
    writeFileSync(join(dir, 'package', longDir, 'index.js'), 'export {};\n');
    writeFileSync(join(dir, 'package', 'empty.txt'), '');
    const file = join(dir, `${format}.tgz`);
    execFileSync('tar', [`--format=${format}`, '-czf', file, '-C', dir, 'package']);

    const files = readTarball(readFileSync(file));
    const byPath = new Map(files.map((f) => [f.path, f.data.toString('utf8')]));
    expect([...byPath.keys()].sort()).toEqual(['empty.txt', `${longDir}index.js`, 'package.json'].sort());
    expect(byPath.get('package.json')).toBe('{"name":"x"}');
    expect(byPath.get(`${longDir}index.js`)).toBe('export {};\n');
    expect(byPath.get('empty.txt')).toBe('');
  });
});
