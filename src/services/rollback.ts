import type { RollbackOptions } from '../run/prepare/deploy-options.js';
import { runDeploy } from '../run/run-deploy.js';

/** `deploy rollback`: put back what a sync-file run replaced, canaries first. Returns the exit status. */
export function rollback(options: RollbackOptions): Promise<number> {
  return runDeploy('rollback', options);
}
