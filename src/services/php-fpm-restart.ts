import type { DeployOptions } from '../run/prepare/deploy-options.js';
import { runDeploy } from '../run/run-deploy.js';

/** `deploy php-fpm-restart`: rolling restart on every target, canaries first; writes no file. Returns the exit status. */
export function phpFpmRestart(options: DeployOptions): Promise<number> {
  return runDeploy({ command: 'php-fpm-restart', args: [], viaProxies: false, revertsCanaries: false }, options);
}
