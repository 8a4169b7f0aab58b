import type { RollbackSource } from '../prepare/rollback-source.js';

/** Per host, what `deploy rollback` would put back: the old file (size, mode) or no file. */
function whatEach(source: RollbackSource): Array<{ host: string; action: 'restore' | 'remove'; path: string; sha256?: string; mode?: number }> {
  return [...source.versions.values()]
    .sort((a, b) => a.host.localeCompare(b.host))
    .map((version) =>
      version.before === null
        ? { host: version.host, action: 'remove', path: version.path }
        : { host: version.host, action: 'restore', path: version.path, sha256: version.before.sha256, mode: version.before.mode },
    );
}

/** The lines --dry-run adds for a rollback: which run it undoes, and what each host gets back. */
export function restoreLines(source: RollbackSource): string[] {
  return [
    `Puts back what run ${source.runId} replaced; a host whose file is no longer what that run wrote is skipped:`,
    ...whatEach(source).map((each) =>
      each.action === 'remove'
        ? `     ${each.host}: remove ${each.path} (it had none)`
        : `     ${each.host}: restore ${each.path} (sha256 ${each.sha256?.slice(0, 12)}, mode ${each.mode?.toString(8)})`,
    ),
  ];
}

/** The same as data, for --dry-run --json. */
export function restoreJson(source: RollbackSource): object {
  return { run: source.runId, hosts: whatEach(source) };
}
