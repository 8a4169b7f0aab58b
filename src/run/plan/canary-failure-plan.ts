import type { Config } from '../../config/schema.js';
import { buildRestartCommand } from '../../remote-commands/restart-php-fpm.js';
import { resolveConcurrency } from './limits.js';
import type { CanaryFailurePlan, RestartPhase, SyncPhase } from './types.js';

/**
 * The rollback phases of a sync-file run whose checks fail after `canaries` (the canaries, or
 * every host synced up to a stage's checks) were synced. Every one is listed; at run time the
 * ones that did not receive the new file are skipped. A failed host never stops the others:
 * every host that can be rolled back is.
 */
export function canaryFailurePlan(config: Config, canaries: string[], force: boolean): CanaryFailurePlan {
  const sync: SyncPhase = {
    name: 'rollback-sync',
    kind: 'sync',
    hosts: canaries,
    skip: new Map(),
    concurrency: resolveConcurrency(config.sync_concurrency, canaries.length),
    failureLimit: canaries.length,
  };
  if (config.php_fpm_restart_script.trim() === '') return { action: config.canary_failure_action, sync };
  const noRestart = new Set(config.no_restart_targets);
  const skip = new Map(canaries.filter((host) => noRestart.has(host)).map((host) => [host, 'in no_restart_targets']));
  const restart: RestartPhase = {
    name: 'rollback-restart',
    kind: 'restart',
    hosts: canaries,
    skip,
    concurrency: resolveConcurrency(config.restart_concurrency, canaries.length - skip.size || 1),
    failureLimit: canaries.length,
    // Otherwise opcache may keep serving the bad code: restart whatever always_restart says.
    argv: buildRestartCommand({
      script: config.php_fpm_restart_script,
      service: config.php_fpm,
      threshold: config.php_fpm_opcache_threshold,
      alwaysRestart: true,
      sudoUser: config.restart_sudo_user,
      force,
    }),
    timeoutMs: config.restart_timeout * 1000,
    stallTimeoutMs: config.restart_stall_timeout * 1000,
  };
  return { action: config.canary_failure_action, sync, restart };
}
