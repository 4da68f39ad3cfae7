import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { runCommand } from './run-command.js';

export interface LintResult {
  readonly ok: boolean;
  /** One line per problem found (empty when ok). */
  readonly problems: readonly string[];
}

/** publint --strict on the tarball itself (warnings count as errors; suggestions are listed). */
export async function publintTarball(tarball: Uint8Array): Promise<LintResult & { suggestions: readonly string[] }> {
  const copy = tarball.slice().buffer;
  const { messages, pkg } = await publint({ pack: { tarball: copy }, strict: true });
  const line = (m: (typeof messages)[number]): string => `${m.code}: ${formatMessage(m, pkg, { color: false }) ?? ''}`;
  const problems = messages.filter((m) => m.type !== 'suggestion').map(line);
  return { ok: problems.length === 0, problems, suggestions: messages.filter((m) => m.type === 'suggestion').map(line) };
}

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
}

/** Resolution modes an ESM-only package cannot serve; `--profile esm-only` ignores them. */
const IGNORED_BY_ESM_ONLY = new Set(['node10', 'node16-cjs']);

/**
 * @arethetypeswrong/cli on the packed tarball with the esm-only profile: types must resolve and
 * match the JavaScript under node16 (ESM) and bundler resolution.
 */
export async function attwTarball(root: string, tarballFile: string): Promise<LintResult> {
  const bin = join(dirname(createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
  const run = await runCommand(process.execPath, [bin, tarballFile, '--profile', 'esm-only', '--format', 'json'], {
    cwd: root,
    timeoutSeconds: 120,
  });
  let problems: string[];
  try {
    const report = JSON.parse(run.stdout) as { analysis: { problems?: AttwProblem[] } };
    problems = (report.analysis.problems ?? [])
      .filter((p) => !IGNORED_BY_ESM_ONLY.has(p.resolutionKind ?? ''))
      .map((p) => `${p.kind}${p.entrypoint ? ` at "${p.entrypoint}"` : ''}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`);
  } catch {
    problems = [`attw did not report (exit ${run.code}): ${run.output.trim().split('\n').slice(-5).join(' | ')}`];
  }
  if (run.code !== 0 && problems.length === 0) problems = [`attw exited ${run.code}`];
  return { ok: run.code === 0 && problems.length === 0, problems };
}
