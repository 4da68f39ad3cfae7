import type { Problem } from './manifest-rules.js';
import type { WorkspacePackage } from './workspace.js';

/** The parts of .changeset/config.json the release depends on. */
export interface ChangesetConfig {
  fixed?: string[][];
  linked?: string[][];
  ignore?: string[];
  access?: string;
  baseBranch?: string;
  updateInternalDependencies?: string;
  privatePackages?: { version?: boolean; tag?: boolean };
}

const problem = (message: string): Problem => ({ rule: 'changesets', message, severity: 'error' });

/**
 * Independent versions (nothing fixed or linked), internal ranges bumped on release, public access
 * for the scoped packages, and private packages neither versioned nor tagged (or ignored).
 */
export function changesetProblems(config: ChangesetConfig, packages: readonly WorkspacePackage[]): Problem[] {
  const names = new Set(packages.map((p) => p.manifest.name));
  const privateUnversioned = config.privatePackages?.version === false && config.privatePackages.tag === false;
  return [
    ...(config.fixed?.length ? [problem('"fixed" groups packages; each package is versioned on its own')] : []),
    ...(config.linked?.length ? [problem('"linked" groups packages; each package is versioned on its own')] : []),
    ...(['patch', 'minor'].includes(config.updateInternalDependencies ?? '')
      ? []
      : [problem(`updateInternalDependencies is ${JSON.stringify(config.updateInternalDependencies)}, expected "patch"`)]),
    ...(config.access === 'public' ? [] : [problem('access must be "public" (scoped packages are private on npm by default)')]),
    ...(config.ignore ?? []).filter((n) => !names.has(n)).map((n) => problem(`ignore lists ${n}, which is not a workspace package`)),
    ...packages
      .filter((p) => p.manifest.private === true && !privateUnversioned && !(config.ignore ?? []).includes(p.manifest.name))
      .map((p) =>
        problem(`${p.manifest.name} is private but would be versioned: set privatePackages {version: false, tag: false}`),
      ),
  ];
}
