import type { DeployOptions } from '../run/prepare/deploy-options.js';
import { rollbackSource } from '../run/prepare/rollback-source.js';
import { runDeploy } from '../run/run-deploy.js';

export interface RollbackOptions extends DeployOptions {
  /** The sync-file run to undo (an id from history, or its start); default: the last successful one. */
  runId?: string;
}

/**
 * `deploy rollback`: put back what a sync-file run replaced, canaries first, each host getting
 * its own old file from this machine (never through sync_proxies). Returns the exit status.
 */
export function rollback(options: RollbackOptions): Promise<number> {
  return runDeploy(
    {
      command: 'rollback',
      args: [],
      source: async (config, warn) => ({ restore: rollbackSource(config.history_file, options.runId, warn) }),
      viaProxies: false,
      revertsCanaries: false,
    },
    options,
  );
}
