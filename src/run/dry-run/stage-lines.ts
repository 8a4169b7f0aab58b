import { formatSeconds } from '../../lib/duration.js';
import type { CheckPhase, Plan } from '../plan/types.js';

/** The check phase of each stage, by the stage's name. */
function stageChecks(plan: Plan): Map<string, CheckPhase> {
  const checks = new Map<string, CheckPhase>();
  for (const phase of plan.phases) if (phase.kind === 'check') checks.set(phase.stage, phase);
  return checks;
}

/** --dry-run: `stages`, one line each: its hosts, wait, checks and pause (the phases that follow give the details). */
export function stageLines(plan: Plan): string[] {
  const stages = plan.stages ?? [];
  if (stages.length === 0) return [];
  const checks = stageChecks(plan);
  return [
    `Stages, between the canaries and the rest (${stages.length}):`,
    ...stages.map((stage) => {
      const count = checks.get(stage.name)?.checks.length ?? 0;
      const parts = [
        `${stage.hosts.length} ${stage.hosts.length === 1 ? 'host' : 'hosts'} (${stage.hosts.join(', ')})`,
        `wait ${formatSeconds(stage.waitMs)}`,
        count === 0 ? 'no checks' : `${count} ${count === 1 ? 'check' : 'checks'}`,
        ...(stage.pause ? ['then pause'] : []),
      ];
      return `  ${stage.name}: ${parts.join(', ')}`;
    }),
  ];
}

/** --dry-run --json: the stages as data. */
export function stagesJson(plan: Plan): object[] {
  const checks = stageChecks(plan);
  return (plan.stages ?? []).map((stage) => ({
    name: stage.name,
    hosts: stage.hosts,
    waitMs: stage.waitMs,
    checks: (checks.get(stage.name)?.checks ?? []).map((check) => check.command),
    pause: stage.pause,
    phases: plan.phases.map((phase) => phase.name).filter((name) => [`sync-${stage.name}`, `restart-${stage.name}`, `check-${stage.name}`].includes(name)),
  }));
}
