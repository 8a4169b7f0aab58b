import { renderCommand } from '../../transport/quote.js';
import type { CanaryFailurePlan } from '../plan/types.js';

/** --dry-run: what failed canary (or a stage's) checks lead to, one line each. */
export function describeCanaryFailure(plan: CanaryFailurePlan | undefined, stage = 'canaries'): string[] {
  if (!plan) return ['     if a check fails: abort (php-fpm-restart has no file to roll back)'];
  const lines = [`     if a check fails: ${plan.action} (canary_failure_action; on a terminal you are asked, with this as the default)`];
  if (plan.action === 'rollback') {
    const hosts = plan.sync.hosts.join(', ');
    lines.push(`       rollback-sync (concurrency ${plan.sync.concurrency}): put back on ${hosts} what each had (or remove the file where there was none)`);
    if (plan.restart) lines.push(`       rollback-restart (concurrency ${plan.restart.concurrency}): ${renderCommand(plan.restart.argv)}`);
  } else {
    lines.push(
      stage === 'canaries'
        ? `       the canaries keep the new file; no other host is touched`
        : `       the hosts synced so far keep the new file; no later host is touched`,
    );
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
            ...(plan.restart
              ? [
                  {
                    name: plan.restart.name,
                    hosts: plan.restart.hosts.filter((host) => !plan.restart?.skip.has(host)),
                    concurrency: plan.restart.concurrency,
                    command: renderCommand(plan.restart.argv),
                  },
                ]
              : []),
          ],
        }
      : {}),
  };
}
