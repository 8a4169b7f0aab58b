import { mapLimited } from '../../lib/map-limited.js';
import { lastLine, plural } from '../../lib/text.js';
import { buildPruneBackups, buildPruneReleases } from '../../remote-commands/release-prune.js';
import { backupPrunesFolder, noteBackupPrune } from '../../state/backup-prunes.js';
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

/**
 * The hosts a run's sync phases synced deploy_dir on (ok; with `changed`, not already up to date):
 * not a rollback's phases, nor the proxies', which fill their rsync daemons' folders.
 */
export function syncedHosts(execution: ExecutionResult, { changed }: { changed: boolean }): string[] {
  const hosts = new Set<string>();
  for (const run of execution.phases) {
    if (run.phase.kind !== 'sync' || run.phase.name.startsWith('rollback-') || run.phase.name === 'sync-proxies') continue;
    for (const result of run.results) if (result.outcome === 'ok' && !(changed && result.note === 'unchanged')) hosts.add(result.host);
  }
  return [...hosts];
}

/** Run a prune on a host; its failure, `<host> (<why>)`, or undefined. Never throws. */
async function prune(transport: Transport, host: string, argv: string[], signal: AbortSignal): Promise<string | undefined> {
  try {
    const result = await transport.exec(host, argv, { signal, brief: true });
    return result.exitCode === 0 ? undefined : `${host} (${lastLine(result.stderr) || `exit status ${result.exitCode}`})`;
  } catch (error) {
    return `${host} (${(error as Error).message})`;
  }
}

/**
 * In-place, right after a host's tree changed, in a run that prunes (TreeSync.pruneBackups: one
 * in PRUNE_EVERY, as each prune is one more SSH session per host), on its own connection,
 * beside the window (its slot is free at once; keepHostsTidy waits for it): it keeps the backups
 * of the last KEPT_BACKUP_RUNS runs, this one the newest, and removes older ones, whatever the
 * rest of the run does (no rollback reaches them). Resolves with its failure, `<host> (<why>)`,
 * for keepHostsTidy's warning (the host is not failed), or undefined. Never throws.
 */
export function tidyBackups(transport: Transport, sync: TreeSync, host: string, signal: AbortSignal): Promise<string | undefined> {
  return prune(transport, host, buildPruneBackups(transport.commandPath(host, sync.deployDir), KEPT_BACKUP_RUNS), signal);
}

/**
 * After a run, once in-place hosts' prunes are done: releases, once the run went to the end, keeps its `keep_releases` newest releases
 * on each host whose tree it changed and removes the rest (in-place hosts tidied their backups
 * during the sync: tidyBackups). A host where that failed keeps more than it should, with one
 * warning line; the run's outcome does not change.
 */
export async function keepHostsTidy(execution: ExecutionResult, input: HousekeepingInput): Promise<void> {
  const { transport, sync } = input;
  const failed = (await Promise.all(sync.tidying)).filter((why): why is string => why !== undefined);
  if (sync.layout === 'releases' && execution.stoppedBy === undefined) {
    const tidy = async (host: string): Promise<void> => {
      const why = await prune(transport, host, buildPruneReleases(transport.commandPath(host, sync.deployDir), input.keepReleases), input.stop);
      if (why !== undefined) failed.push(why);
    };
    // tidy never throws; an interrupt only stops new hosts from starting.
    await mapLimited(syncedHosts(execution, { changed: true }), input.concurrency, tidy, input.stop).catch(() => undefined);
  }
  if (failed.length === 0) return;
  const what = sync.layout === 'releases' ? `old releases (keep_releases ${input.keepReleases})` : 'old backups';
  input.warn(`could not remove ${what} on ${plural(failed.length, 'host')}: ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', ...' : ''}`);
}

/** In-place, after a run that changed hosts: it counts toward the next prune of old backups, or the count starts again if it pruned. */
export async function noteBackupRuns(execution: ExecutionResult, sync: TreeSync, historyFile: string, warn: (text: string) => void): Promise<void> {
  if (sync.layout !== 'in-place' || sync.tree === undefined || syncedHosts(execution, { changed: true }).length === 0) return;
  await noteBackupPrune(backupPrunesFolder(historyFile), sync.deployDir, sync.pruneBackups).catch((error: Error) =>
    warn(`could not note this run for the pruning of old backups: ${error.message}`),
  );
}
