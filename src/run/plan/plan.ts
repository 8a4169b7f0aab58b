import type { Config } from '../../config/schema.js';
import { stageHosts } from '../../config/stages-kind.js';
import { slowestFirst } from '../../state/durations.js';
import { resolveConcurrency, resolveFailureLimit } from './limits.js';
import { buildRestartCommand } from '../../remote-commands/restart-php-fpm.js';
import { proxyOrder } from '../../remote-commands/rsync-pull.js';
import { phasePools, poolMembership } from './pools.js';
import { canaryFailurePlan } from './canary-failure-plan.js';
import { canaryCheckPhase, stageCheckPhase } from './check-phase.js';
import type { HostPhase, Phase, PhaseName, Plan, PlannedStage, PlanOptions, RestartPhase, SyncPhase } from './types.js';

function hostPhase(name: PhaseName, hosts: string[], skip: Map<string, string>, concurrency: Config['sync_concurrency'], config: Config): HostPhase {
  const running = hosts.filter((host) => !skip.has(host)).length;
  return {
    name,
    hosts,
    skip,
    concurrency: resolveConcurrency(concurrency, running),
    failureLimit: resolveFailureLimit(config.failure_limit, running),
  };
}

/**
 * The phases of a run, in order, from the config: what each touches and how. Pure, so the
 * same plan drives --dry-run and the real run.
 */
export function buildPlan(config: Config, options: PlanOptions): Plan {
  const canaries = config.canaries;
  const canarySet = new Set(canaries);
  const others = config.targets.filter((host) => !canarySet.has(host));
  const noRestart = new Set(config.no_restart_targets);
  const restartSkips = (hosts: string[]) => new Map(hosts.filter((host) => noRestart.has(host)).map((host) => [host, 'in no_restart_targets']));
  const restarts = config.php_fpm_restart_script.trim() !== '';
  const argv = restarts
    ? buildRestartCommand({
        script: config.php_fpm_restart_script,
        service: config.php_fpm,
        threshold: config.php_fpm_opcache_threshold,
        // With releases every restart is the cut-over to the new release: opcache must be reset.
        alwaysRestart: config.always_restart || options.releases === true,
        sudoUser: config.restart_sudo_user,
        force: options.force,
      })
    : [];
  const restartOrder = (hosts: string[]): string[] => (config.restart_order === 'slowest-first' ? slowestFirst(hosts, options.durations ?? new Map()) : hosts);
  const restartPhase = (name: PhaseName, listed: string[]): RestartPhase => {
    const hosts = restartOrder(listed);
    const skip = restartSkips(hosts);
    const pools = phasePools(config, hosts, skip);
    return {
      ...hostPhase(name, hosts, skip, config.restart_concurrency, config),
      kind: 'restart',
      argv,
      timeoutMs: config.restart_timeout * 1000,
      stallTimeoutMs: config.restart_stall_timeout * 1000,
      ...(pools ? { pools } : {}),
    };
  };
  // rollback runs sync-file's flow, each host getting back its own old file (never via proxies).
  const sync = options.syncs === true;
  const viaProxies =
    options.viaProxies && config.sync_proxies.length > 0
      ? { order: proxyOrder([...canaries, ...others], config.sync_proxies), module: config.sync_proxy_module }
      : undefined;
  const syncPhase = (name: PhaseName, hosts: string[]): SyncPhase => ({
    ...hostPhase(name, hosts, new Map(), config.sync_concurrency, config),
    kind: 'sync',
    ...(viaProxies && name !== 'sync-proxies' ? { proxies: viaProxies } : {}),
  });
  const phases: Phase[] = [];
  const notes: string[] = [];
  // A proxy that fails is passed over (its targets try the next, then this machine): it never aborts the run.
  if (viaProxies) phases.push({ ...syncPhase('sync-proxies', config.sync_proxies), failureLimit: config.sync_proxies.length });
  // Failed checks roll back every host synced before them (sync-file), else abort.
  const synced: string[] = [];
  const failure = (hosts: string[]) => {
    synced.push(...hosts);
    return options.revertsCanaries && synced.length > 0 ? canaryFailurePlan(config, [...synced], options.force) : undefined;
  };
  const canaryFailure = canaries.length > 0 ? failure(canaries) : undefined;
  if (canaries.length > 0) {
    if (sync) phases.push(syncPhase('sync-canaries', canaries));
    if (restarts) phases.push(restartPhase('restart-canaries', canaries));
    phases.push(canaryCheckPhase(config, options.force, canaryFailure));
  }
  const stages: PlannedStage[] = [];
  const chosen = stageHosts(config.stages, config.targets, canaries);
  config.stages.forEach((stage, index) => {
    const hosts = chosen[index] ?? [];
    const before = phases.length;
    if (sync) phases.push(syncPhase(`sync-${stage.name}`, hosts));
    if (restarts) phases.push(restartPhase(`restart-${stage.name}`, hosts));
    const check = stageCheckPhase(config, stage, hosts, options.force, failure(hosts));
    if (check) phases.push(check);
    const last = phases.length > before ? phases.at(-1)?.name : undefined;
    stages.push({ name: stage.name, hosts, waitMs: stage.wait * 1000, pause: stage.pause, lastPhase: last ?? `check-${stage.name}` });
  });
  const staged = new Set(chosen.flat());
  const rest = others.filter((host) => !staged.has(host));
  if (sync && rest.length > 0) phases.push(syncPhase('sync-hosts', rest));
  if (restarts && rest.length > 0) phases.push(restartPhase('restart-hosts', rest));
  if (!restarts) notes.push('php_fpm_restart_script is not set: restart phases are skipped');
  const pools = poolMembership(config);
  return { command: options.command, phases, notes, stages, ...(pools ? { pools } : {}), ...(canaryFailure ? { canaryFailure } : {}) };
}
