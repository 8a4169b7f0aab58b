import { expandChecks, expandStageChecks } from '../../checks/expand-checks.js';
import type { Config } from '../../config/schema.js';
import type { StageSpec } from '../../config/stages-kind.js';
import type { CanaryFailurePlan, CheckPhase } from './types.js';

/** `check-canaries`: canary_checks after canary_wait_time, on the canaries. */
export function canaryCheckPhase(config: Config, force: boolean, failure: CanaryFailurePlan | undefined): CheckPhase {
  const canaries = config.canaries;
  return {
    name: 'check-canaries',
    kind: 'check',
    stage: 'canaries',
    hosts: canaries,
    checks: expandChecks(config.canary_checks, canaries),
    waitMs: config.canary_wait_time * 1000,
    timeoutMs: config.canary_check_timeout * 1000,
    skipChecks: force,
    env: { DEPLOY_CANARIES: canaries.join(',') },
    ...(failure ? { failure } : {}),
  };
}

/**
 * `check-<stage>`: the stage's checks after its wait, on its hosts (`{host}` each of them,
 * `{hosts}` their regex); undefined when the stage has neither wait nor checks.
 */
export function stageCheckPhase(
  config: Config,
  stage: StageSpec,
  hosts: string[],
  force: boolean,
  failure: CanaryFailurePlan | undefined,
): CheckPhase | undefined {
  if (stage.wait === 0 && stage.checks.length === 0) return undefined;
  return {
    name: `check-${stage.name}`,
    kind: 'check',
    stage: stage.name,
    hosts,
    checks: expandStageChecks(stage.checks, hosts, config.canaries),
    waitMs: stage.wait * 1000,
    timeoutMs: config.canary_check_timeout * 1000,
    skipChecks: force,
    env: { DEPLOY_CANARIES: config.canaries.join(','), DEPLOY_STAGE: stage.name, DEPLOY_STAGE_HOSTS: hosts.join(',') },
    ...(failure ? { failure } : {}),
  };
}
