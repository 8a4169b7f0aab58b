import type { Config } from '../../config/schema.js';
import { buildRestartCommand } from '../../remote-commands/restart-php-fpm.js';
import type { Reporter } from '../../report/events.js';
import { countResults } from '../../restart/counts.js';
import type { HostResult, HostTask } from '../../restart/types.js';
import { readRunVersions, type HostVersion } from '../../state/kept-versions.js';
import { sha256 } from '../../transport/replace-plan.js';
import type { Transport } from '../../transport/types.js';
import type { PhaseRun } from '../phases/execute-plan.js';
import { restartTask } from '../phases/host-tasks.js';
import { rollPhase } from '../phases/host-phase.js';
import { resolveConcurrency } from '../plan/limits.js';
import type { RestartPhase, SyncPhase } from '../plan/plan.js';
import { restoreTask } from '../phases/restore-task.js';
import { renderCommand } from '../../transport/quote.js';
import type { StagedFile } from '../prepare/stage-file.js';
import type { VersionKeeper } from '../phases/version-keeper.js';

export type CanaryFailureAction = 'rollback' | 'abort';

/** What a sync-file run does when its canary checks fail (`canary_failure_action`). */
export interface CanaryFailurePlan {
  action: CanaryFailureAction;
  /** Put the old file back on the canaries that received the new one (from this machine, atomically). */
  sync: SyncPhase;
  /** Restart them again with the always-restart threshold; absent without a restart script. */
  restart?: RestartPhase;
}

/**
 * The rollback phases of a sync-file run with canaries. Every canary is listed; at run time
 * the ones that did not receive the new file are skipped. A failed host never stops the
 * others: every canary that can be rolled back is.
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
    argv: buildRestartCommand({ script: config.php_fpm_restart_script, service: config.php_fpm, threshold: config.php_fpm_opcache_threshold, alwaysRestart: true, sudoUser: config.restart_sudo_user, force }),
    timeoutMs: config.restart_timeout * 1000,
    stallTimeoutMs: config.restart_stall_timeout * 1000,
  };
  return { action: config.canary_failure_action, sync, restart };
}

export interface RollbackInput {
  plan: CanaryFailurePlan;
  transport: Transport;
  report: Reporter;
  stop: AbortSignal;
  kill: AbortSignal;
  runStartedAt?: number;
  file: StagedFile;
  keeper?: VersionKeeper;
  /** This run's kept versions (state/kept-versions). */
  versions: { folder: string; runId: string };
  /** The results of `sync-canaries`: who received the new file. */
  synced: readonly HostResult[];
  /** --resume: the run resumed, whose record names the canaries it gave the new file. */
  resumedFrom?: string;
}

/** Why a canary is left out of the rollback, or undefined when it received the new file. */
function notReceived(result: HostResult | undefined): string | undefined {
  if (result?.outcome === 'ok') return result.note === 'unchanged' ? 'it had the new file before this run' : undefined;
  return 'it did not receive the new file';
}

async function runPhase(phase: SyncPhase | RestartPhase, skip: Map<string, string>, task: HostTask, input: RollbackInput): Promise<PhaseRun> {
  const started = performance.now();
  input.report({ type: 'phase-start', phase: phase.name, hosts: phase.hosts.length });
  const outcome = await rollPhase(phase, skip, task, input);
  const run: PhaseRun = { phase, reached: true, durationMs: performance.now() - started, results: outcome.results, checks: [] };
  input.report({ type: 'phase-end', phase: phase.name, durationMs: run.durationMs, counts: countResults(phase.hosts.length, outcome.results), notes: [] });
  return run;
}

/**
 * Roll back the canaries that received the new file: `rollback-sync` puts back what each
 * had (or removes the file where there was none), only where the file is still what this
 * run wrote; `rollback-restart` restarts the hosts rolled back, a second time.
 */
export async function rollBackCanaries(input: RollbackInput): Promise<PhaseRun[]> {
  const { plan, file } = input;
  const after = { sha256: sha256(file.content), mode: file.mode & 0o7777 };
  const syncSkip = new Map<string, string>();
  const versions = new Map<string, HostVersion>();
  const notKept = new Set<string>();
  // A canary done in the resumed run got the new file there: that run's record says what it had.
  const earlier = input.resumedFrom !== undefined ? (readRunVersions(input.versions.folder, input.resumedFrom, () => undefined) ?? []) : [];
  for (const host of plan.sync.hosts) {
    const resumed = earlier.find((version) => version.host === host && version.path === file.destination && version.after?.sha256 === after.sha256);
    const why = notReceived(input.synced.find((result) => result.host === host));
    if (resumed !== undefined && input.synced.find((result) => result.host === host)?.outcome === 'skipped') versions.set(host, resumed);
    else if (why !== undefined) syncSkip.set(host, why);
    else {
      const before = input.keeper?.before(host);
      if (before === undefined) notKept.add(host);
      else versions.set(host, { host, path: file.destination, before, after });
    }
  }
  const restore = restoreTask(input.transport, { runId: input.versions.runId, folder: input.versions.folder, versions });
  const task: HostTask = async (host, context) => {
    if (notKept.has(host)) throw new Error('its old file was not kept: cannot put it back (it keeps the new file)');
    return restore(host, context);
  };
  const received = plan.sync.hosts.length - syncSkip.size;
  input.report({ type: 'notice', level: 'warn', text: `canary checks failed: rolling back ${file.relativePath} on ${received} ${received === 1 ? 'canary' : 'canaries'}` });
  const synced = await runPhase(plan.sync, syncSkip, task, input);
  if (!plan.restart) return [synced];
  const rolledBack = new Set(synced.results.filter((result) => result.outcome === 'ok').map((result) => result.host));
  const restartSkip = new Map(plan.restart.skip);
  for (const host of plan.restart.hosts) if (!restartSkip.has(host) && !rolledBack.has(host)) restartSkip.set(host, 'not rolled back');
  const restarted = await runPhase(plan.restart, restartSkip, restartTask(input.transport, plan.restart, input.report), input);
  return [synced, restarted];
}

/** --dry-run: what failed canary checks lead to, one line each. */
export function describeCanaryFailure(plan: CanaryFailurePlan | undefined): string[] {
  if (!plan) return ['     if a check fails: abort (php-fpm-restart has no file to roll back)'];
  const lines = [`     if a check fails: ${plan.action} (canary_failure_action; on a terminal you are asked, with this as the default)`];
  if (plan.action === 'rollback') {
    lines.push(`       rollback-sync (concurrency ${plan.sync.concurrency}): put back on ${plan.sync.hosts.join(', ')} what each had (or remove the file where there was none)`);
    if (plan.restart) lines.push(`       rollback-restart (concurrency ${plan.restart.concurrency}): ${renderCommand(plan.restart.argv)}`);
  } else {
    lines.push(`       the canaries keep the new file; no other host is touched`);
  }
  return lines;
}

/** --dry-run --json: the same as data. */
export function canaryFailureJson(plan: CanaryFailurePlan | undefined): object {
  if (!plan) return { action: 'abort' };
  return {
    action: plan.action,
    ...(plan.action === 'rollback'
      ? {
          rollback: [
            { name: plan.sync.name, hosts: plan.sync.hosts, concurrency: plan.sync.concurrency },
            ...(plan.restart ? [{ name: plan.restart.name, hosts: plan.restart.hosts.filter((host) => !plan.restart?.skip.has(host)), concurrency: plan.restart.concurrency, command: renderCommand(plan.restart.argv) }] : []),
          ],
        }
      : {}),
  };
}
