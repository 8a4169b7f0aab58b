import type { SyncFileOptions } from '../run/prepare/deploy-options.js';
import { runDeploy } from '../run/run-deploy.js';

/** `deploy sync-file`: copy stage_dir/<path> to every target, canaries first. Returns the exit status. */
export function syncFile(options: SyncFileOptions): Promise<number> {
  return runDeploy('sync-file', options);
}
