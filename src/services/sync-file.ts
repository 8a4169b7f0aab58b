import type { DeployOptions } from '../run/prepare/deploy-options.js';
import type { Flow } from '../run/prepare/flow.js';
import { refuseSecondPath, resolveStagedFile } from '../run/prepare/stage-file.js';
import { isStagedFolder, resolveStagedTree } from '../run/prepare/staged-tree.js';
import { runDeploy } from '../run/run-deploy.js';

export interface SyncFileOptions extends DeployOptions {
  /** Relative to stage_dir (or absolute inside it). */
  path: string;
  /** The first word of the message as typed: it must not name another staged file. */
  messageFirstWord?: string;
}

/** sync-file's flow: the staged file or folder, through sync_proxies when set; failed canary checks may revert the canaries. */
export function syncFileFlow(options: Pick<SyncFileOptions, 'path' | 'messageFirstWord'>): Flow {
  return {
    command: 'sync-file',
    args: [options.path],
    source: async (config) => {
      if (await isStagedFolder(config.stage_dir, options.path)) {
        const tree = await resolveStagedTree(config.stage_dir, config.deploy_dir, options.path, config.sync_exclude);
        if (options.messageFirstWord !== undefined) await refuseSecondPath(config.stage_dir, options.messageFirstWord);
        return { tree };
      }
      const file = await resolveStagedFile(config.stage_dir, config.deploy_dir, options.path);
      if (options.messageFirstWord !== undefined) await refuseSecondPath(config.stage_dir, options.messageFirstWord);
      return { file };
    },
    viaProxies: true,
    revertsCanaries: true,
  };
}

/** `deploy sync-file`: copy stage_dir/<path> to every target, canaries first. Returns the exit status. */
export function syncFile(options: SyncFileOptions): Promise<number> {
  return runDeploy(syncFileFlow(options), options);
}
