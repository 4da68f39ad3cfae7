#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx with the workspace 'source' condition.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
