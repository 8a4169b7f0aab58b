import type { Config } from '../../config/schema.js';
import type { CommandName } from '../plan/types.js';
import type { RollbackSource } from './rollback-source.js';
import type { StagedFile } from './stage-file.js';
import type { StagedTree } from './staged-tree.js';

/** What a run writes on each host: the staged file (sync-file), or what a past run replaced (rollback). */
export interface RunSource {
  file?: StagedFile;
  /** sync-file <folder>, sync-world: the staged folder, synced as a tree. */
  tree?: StagedTree;
  /** rollback: the run it undoes and what that run replaced on each host. */
  restore?: RollbackSource;
}

/**
 * What a command's service tells the run (src/services): the command, its arguments, what it
 * writes and how. The run never asks which command it is running; it reads this.
 */
export interface Flow {
  command: CommandName;
  /** The arguments as typed, between the command and the message (the lock holder's command line). */
  args: string[];
  /** Find what the run writes, before anything is touched (throws UserError); absent: nothing is written. */
  source?: (config: Config, warn: (text: string) => void) => Promise<RunSource>;
  /** Targets may pull the file from sync_proxies (a staged file only). */
  viaProxies: boolean;
  /** Failed canary checks may revert the canaries (canary_failure_action). */
  revertsCanaries: boolean;
}
