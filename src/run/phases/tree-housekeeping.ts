import { mapLimited } from '../../lib/map-limited.js';
import { buildPruneBackups, buildPruneReleases } from '../../remote-commands/release-prune.js';
import type { Transport } from '../../transport/types.js';
import type { ExecutionResult } from './phase-run.js';
import { KEPT_BACKUP_RUNS, type TreeSync } from './tree-run.js';

export interface HousekeepingInput {
  transport: Transport;
  sync: TreeSync;
  keepReleases: number;
  concurrency: number;
  stop: AbortSignal;
  warn: (text: string) => void;
}

/** The hosts whose tree a run changed: ok in a sync phase and not already up to date. */
function changedHosts(execution: ExecutionResult): string[] {
  const hosts = new Set<string>();
  for (const run of execution.phases) {
    if (run.phase.kind !== 'sync' || run.phase.name.startsWith('rollback-') || run.phase.name === 'sync-proxies') continue;
    for (const result of run.results) if (result.outcome === 'ok' && result.note !== 'unchanged') hosts.add(result.host);
  }
  return [...hosts];
}

/**
 * After a run that went to the end: each host whose tree it changed keeps its `keep_releases`
 * newest releases (releases) or the backups of the last runs (in-place); the rest is removed.
 * A host where that fails keeps more than it should, with one warning line; the run's outcome
 * does not change.
 */
export async function keepHostsTidy(execution: ExecutionResult, input: HousekeepingInput): Promise<void> {
  if (execution.stoppedBy !== undefined) return;
  const { transport, sync } = input;
  const hosts = changedHosts(execution);
  const failed: string[] = [];
  const tidy = async (host: string): Promise<void> => {
    const deployDir = transport.commandPath(host, sync.deployDir);
    const argv = sync.layout === 'releases' ? buildPruneReleases(deployDir, input.keepReleases) : buildPruneBackups(deployDir, KEPT_BACKUP_RUNS);
    try {
      const result = await transport.exec(host, argv, { signal: input.stop });
      if (result.exitCode !== 0) failed.push(`${host} (${result.stderr.trim().split('\n').at(-1) ?? `exit status ${result.exitCode}`})`);
    } catch (error) {
      failed.push(`${host} (${(error as Error).message})`);
    }
  };
  // tidy never throws; an interrupt only stops new hosts from starting.
  await mapLimited(hosts, input.concurrency, tidy, input.stop).catch(() => undefined);
  if (failed.length === 0) return;
  const what = sync.layout === 'releases' ? `old releases (keep_releases ${input.keepReleases})` : 'old backups';
  input.warn(`could not remove ${what} on ${failed.length} hosts: ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', ...' : ''}`);
}
