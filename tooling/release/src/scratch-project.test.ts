import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedVersion, registryCopies, scratchManifest } from './scratch-project.js';

const dir = mkdtempSync(join(tmpdir(), 'scratch-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scratch project', () => {
  it('installs every @losskit package from its tarball and pins internal dependencies to it', () => {
    const manifest = scratchManifest({
      dir: '/tmp/x/project',
      tarballs: new Map([
        ['@losskit/core', '/tmp/x/tarballs/losskit-core-0.1.0.tgz'],
        ['@losskit/onnx', '/tmp/x/tarballs/losskit-onnx-0.1.0.tgz'],
      ]),
      registry: { 'onnxruntime-node': '1.30.0' },
    });
    expect(manifest.dependencies).toEqual({
      'onnxruntime-node': '1.30.0',
      '@losskit/core': 'file:../tarballs/losskit-core-0.1.0.tgz',
      '@losskit/onnx': 'file:../tarballs/losskit-onnx-0.1.0.tgz',
    });
    expect(manifest.overrides).toEqual({ '@losskit/core': '$@losskit/core', '@losskit/onnx': '$@losskit/onnx' });
  });

  it('finds a copy of a @losskit package that npm took from the registry', () => {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    const lock = {
      packages: {
        '': {},
        'node_modules/@losskit/core': { resolved: 'file:../tarballs/losskit-core-0.1.0.tgz' },
        'node_modules/@losskit/onnx': { resolved: 'file:../tarballs/losskit-onnx-0.1.0.tgz' },
        'node_modules/@losskit/onnx/node_modules/@losskit/core': { resolved: 'https://registry.npmjs.org/@losskit/core/-/core-0.0.9.tgz' },
        'node_modules/mathjs': { resolved: 'https://registry.npmjs.org/mathjs/-/mathjs-15.2.0.tgz' },
      },
    };
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify(lock));
    expect(registryCopies(dir)).toEqual([
      'node_modules/@losskit/onnx/node_modules/@losskit/core <- https://registry.npmjs.org/@losskit/core/-/core-0.0.9.tgz',
    ]);
  });

  it('reads the installed version from the first folder that has the package', () => {
    mkdirSync(join(dir, 'b', 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(dir, 'b', 'node_modules', 'left-pad', 'package.json'), '{"version":"1.3.0"}');
    expect(installedVersion('left-pad', [join(dir, 'a'), join(dir, 'b')])).toBe('1.3.0');
    expect(installedVersion('right-pad', [join(dir, 'a'), join(dir, 'b')])).toBeUndefined();
  });
});
