import type { DeployOptions } from '../run/prepare/deploy-options.js';
import type { Flow } from '../run/prepare/flow.js';
import { resolveStagedTree } from '../run/prepare/staged-tree.js';
import { runDeploy } from '../run/run-deploy.js';

/** sync-world's flow: the whole stage_dir as one tree, with sync-file's phases. */
export function syncWorldFlow(): Flow {
  return {
    command: 'sync-world',
    args: [],
    source: async (config) => ({ tree: await resolveStagedTree(config.stage_dir, config.deploy_dir, undefined, config.sync_exclude) }),
    viaProxies: true,
    revertsCanaries: true,
  };
}

/** `deploy sync-world`: copy all of stage_dir to every target, canaries first. Returns the exit status. */
export function syncWorld(options: DeployOptions): Promise<number> {
  return runDeploy(syncWorldFlow(), options);
}
