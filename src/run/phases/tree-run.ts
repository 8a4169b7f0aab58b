import { realpath } from 'node:fs/promises';
import type { Config } from '../../config/schema.js';
import { BugError } from '../../errors.js';
import { type StagedNames, stagedNames } from '../../lib/staged-names.js';
import { backupPruneDue, backupPrunesFolder } from '../../state/backup-prunes.js';
import { readTreeHosts, treeHostsFolder } from '../../state/tree-hosts.js';
import type { Plan } from '../plan/types.js';
import type { StagedFile } from '../prepare/stage-file.js';
import type { StagedTree } from '../prepare/staged-tree.js';
import type { TreeRecorder } from './tree-recorder.js';

/** A release a host has built in this run and not yet switched to. */
export interface BuiltRelease {
  /** The release `current` pointed to (null: none). */
  live: string | null;
  release: string;
}

/** How a run changes each host's deploy_dir (deploy_layout and the keys that go with it). */
export interface TreeSync {
  layout: 'in-place' | 'releases';
  /** What the run syncs: a folder (a tree), or, with releases, one file. */
  tree?: StagedTree;
  file?: StagedFile;
  /** sync_delete */
  delete: boolean;
  exclude: readonly string[];
  deployDir: string;
  /** stage_dir on this machine, symlinks resolved: a host's first release holds all of it. */
  stageRoot: string;
  /** The run's id: the name of the releases and backup folders it makes. */
  runId: string;
  /** Whether this run restarts a host (releases: the others switch at the end of their sync). */
  restarts: (host: string) => boolean;
  /** Keeps what each host's change was, for rollback. */
  recorder?: TreeRecorder;
  /** Releases built and not yet switched, by host (filled by the sync, emptied by the switch). */
  built: Map<string, BuiltRelease>;
  /** The staged tree's paths, each mapped to itself: every host's lists name its files with these strings, not copies of their own. */
  names: StagedNames;
  /**
   * In-place hosts' prunes of old backups (tidyBackups), awaited before the run reports: each
   * resolves with the host's failure, `<host> (<why>)`, or undefined.
   */
  tidying: Array<Promise<string | undefined>>;
  /** In-place: whether this run prunes the old backups of the hosts it changes (one run in PRUNE_EVERY: state/backup-prunes.ts). */
  pruneBackups: boolean;
  /** In-place: the hosts this machine has put the tree on before (state/tree-hosts.ts, a hint); the others are asked first (new-tree-task.ts). */
  knownHosts: ReadonlySet<string>;
}

/** The folder under deploy_dir where in-place hosts keep what a run replaced or removed, per run. */
export const BACKUPS_FOLDER = '.deploy/backups';
/** Kept on each host: the backup folders of at least the last runs (rollback reaches that far back), pruned back to these every PRUNE_EVERY runs. */
export const KEPT_BACKUP_RUNS = 20;

/** The hosts a plan restarts (in a restart phase, not skipped by design). */
export function restartedHosts(plan: Plan): Set<string> {
  const hosts = new Set<string>();
  for (const phase of plan.phases) if (phase.kind === 'restart') for (const host of phase.hosts) if (!phase.skip.has(host)) hosts.add(host);
  return hosts;
}

/** A staged tree's names (TreeSync.names); none without a tree. */
export function treeNames(tree: StagedTree | undefined): StagedNames {
  return stagedNames(tree?.entries ?? []);
}

export interface TreeSyncInput {
  config: Pick<Config, 'deploy_layout' | 'sync_delete' | 'sync_exclude' | 'deploy_dir' | 'stage_dir' | 'history_file'>;
  plan: Plan;
  tree?: StagedTree;
  file?: StagedFile;
  runId: string;
  recorder?: TreeRecorder;
}

/**
 * How this run changes hosts' folders when it goes through trees: a staged folder (either
 * layout), or a staged file with `releases`. Undefined: a file in-place (written as a file).
 */
export async function createTreeSync(input: TreeSyncInput): Promise<TreeSync | undefined> {
  const { config, tree, file } = input;
  const releases = config.deploy_layout === 'releases';
  if (tree === undefined && !(file !== undefined && releases)) return undefined;
  if (config.deploy_dir === undefined || config.stage_dir === undefined) throw new BugError('a tree sync needs stage_dir and deploy_dir');
  const restarted = restartedHosts(input.plan);
  return {
    layout: config.deploy_layout,
    ...(tree ? { tree } : {}),
    ...(file ? { file } : {}),
    delete: config.sync_delete,
    exclude: config.sync_exclude,
    deployDir: config.deploy_dir,
    stageRoot: await realpath(config.stage_dir),
    runId: input.runId,
    restarts: (host) => restarted.has(host),
    ...(input.recorder ? { recorder: input.recorder } : {}),
    built: new Map(),
    names: treeNames(tree),
    tidying: [],
    pruneBackups: tree !== undefined && !releases && (await backupPruneDue(backupPrunesFolder(config.history_file), config.deploy_dir)),
    knownHosts: tree && !releases ? await readTreeHosts(treeHostsFolder(config.history_file), tree.relativePath) : new Set(),
  };
}
