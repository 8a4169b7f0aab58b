import { UserError } from '../../errors.js';
import { findRun, readHistory, type HistoryEntry } from '../../state/history-file.js';
import { KEPT_RUNS, readRunVersions, versionsFolder, type HostVersion } from '../../state/kept-versions.js';
import { readTreeVersions, type HostTreeVersion } from '../../state/kept-trees.js';

/** What `deploy rollback` puts back: a sync-file run's kept versions, and the path they are of. */
export interface RollbackSource {
  /** The run whose changes are undone. */
  runId: string;
  /** The kept versions folder (state/kept-versions). */
  folder: string;
  /** Each host the run changed. */
  versions: ReadonlyMap<string, HostVersion>;
  /** The file's path relative to stage_dir / deploy_dir, as that run named it (`.`: sync-world). */
  path: string;
  /** A tree run (sync-file <folder>, sync-world): what it changed on each host. */
  trees?: ReadonlyMap<string, HostTreeVersion>;
}

const SYNC_COMMANDS = ['sync-file', 'sync-world'];

const succeeded = (entry: HistoryEntry): boolean => entry.status === 'success' || entry.status === 'warnings';

/** The run to undo: `--run <id>` (a prefix is enough), else the last successful sync-file run. */
function pickRun(entries: readonly HistoryEntry[], runId: string | undefined, historyFile: string): HistoryEntry {
  if (runId !== undefined) {
    const entry = findRun(entries, runId, '--run');
    if (!SYNC_COMMANDS.includes(entry.command))
      throw new UserError(
        `--run ${runId}: run ${entry.id} is a ${entry.command} run, not sync-file or sync-world`,
        'rollback puts back what a sync run replaced',
      );
    return entry;
  }
  const last = entries.filter((entry) => SYNC_COMMANDS.includes(entry.command) && succeeded(entry)).at(-1);
  if (last === undefined)
    throw new UserError(
      `rollback: no successful sync-file or sync-world run in history_file ${historyFile}`,
      'name a run with --run <id> (`deploy history` lists them)',
    );
  return last;
}

/**
 * Find the run `deploy rollback` undoes and what it replaced on each host. A run with nothing
 * kept (it changed no file, or it is older than the runs kept) is a usage error.
 */
export function rollbackSource(historyFile: string, runId: string | undefined, warn: (text: string) => void): RollbackSource {
  const entry = pickRun(readHistory(historyFile, warn), runId, historyFile);
  const folder = versionsFolder(historyFile);
  const trees = readTreeVersions(folder, entry.id, warn) ?? [];
  if (trees.length > 0) {
    const versions = new Map<string, HostVersion>();
    return { runId: entry.id, path: entry.path ?? '.', folder, versions, trees: new Map(trees.map((tree): [string, HostTreeVersion] => [tree.host, tree])) };
  }
  if (entry.path === undefined) throw new UserError(`rollback: run ${entry.id} names no file`);
  const versions = readRunVersions(folder, entry.id, warn);
  if (versions === undefined || versions.length === 0) {
    throw new UserError(
      `rollback: nothing is kept for run ${entry.id} (${entry.path}) in ${folder}`,
      `either it replaced no host's file, or it is older than the last ${KEPT_RUNS} runs, whose versions are kept`,
    );
  }
  return { runId: entry.id, path: entry.path, folder, versions: new Map(versions.map((version): [string, HostVersion] => [version.host, version])) };
}
