import { dirname, join } from 'node:path';
import { pathFileName, readPathRecord, writePathRecord } from './path-records.js';

/**
 * How many in-place runs from this machine have changed hosts' trees in a deploy_dir since the
 * last one that pruned their old backups (run/phases/tree-housekeeping.ts): a run prunes when
 * it is the PRUNE_EVERY-th, or when there is no record. One small file per deploy_dir,
 * owner-only, written atomically:
 *
 *   <history folder>/backup-prunes/p-<deploy_dir, URI-encoded>.json   (h-<sha256>.json when long)
 */

/** Every how many runs a host's old backups are pruned: each prune is one more SSH session per host. */
export const PRUNE_EVERY = 5;

interface BackupPrunesRecord {
  deployDir: string;
  /** Runs that changed hosts since the last pruning run (0 right after it). */
  runs: number;
}

/** `backup-prunes/` beside the history file. */
export function backupPrunesFolder(historyFile: string): string {
  return join(dirname(historyFile), 'backup-prunes');
}

async function readRuns(folder: string, deployDir: string): Promise<number | undefined> {
  const record = await readPathRecord<BackupPrunesRecord>(
    join(folder, pathFileName(deployDir)),
    (parsed) => parsed.deployDir === deployDir && Number.isInteger(parsed.runs) && parsed.runs >= 0,
  );
  return record?.runs;
}

/** Whether this run prunes old backups in `deployDir`: the PRUNE_EVERY-th run since the last that did, or no record (missing, damaged). */
export async function backupPruneDue(folder: string, deployDir: string): Promise<boolean> {
  const runs = await readRuns(folder, deployDir);
  return runs === undefined || runs + 1 >= PRUNE_EVERY;
}

/** After a run that changed hosts: it pruned (the count starts again) or it did not (one more). */
export async function noteBackupPrune(folder: string, deployDir: string, pruned: boolean): Promise<void> {
  const runs = pruned ? 0 : ((await readRuns(folder, deployDir)) ?? 0) + 1;
  await writePathRecord(folder, deployDir, { deployDir, runs } satisfies BackupPrunesRecord);
}
