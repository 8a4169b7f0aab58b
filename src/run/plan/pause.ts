import { UserError } from '../../errors.js';
import type { Phase, Plan } from './types.js';

/** A stage's phases are `sync-<stage>`, `restart-<stage>`, `check-<stage>`; `hosts` and `proxies` are no stage. */
const STAGE_PHASE = /^(?:sync|restart|check)-(.+)$/;
const NOT_STAGES = new Set(['hosts', 'proxies']);

/** The stage a phase belongs to (`canaries`, or a stage of `stages`); undefined for the rest, proxies and rollback phases. */
export function stageOf(phase: Pick<Phase, 'name'>): string | undefined {
  const stage = STAGE_PHASE.exec(phase.name)?.[1];
  return stage !== undefined && !NOT_STAGES.has(stage) ? stage : undefined;
}

/** The stages a run of this plan may pause after, in order: the canaries (when there are some), then each stage. */
export function pauseStages(plan: Pick<Plan, 'phases'>): string[] {
  return [...new Set(plan.phases.flatMap((phase) => stageOf(phase) ?? []))];
}

/** The phases of the plan that end with a pause, with the stage each ends. */
export function pausePoints(plan: Pick<Plan, 'phases'>): Array<{ phase: string; stage: string }> {
  return plan.phases.flatMap((phase) => {
    const stage = stageOf(phase);
    return phase.pause === true && stage !== undefined ? [{ phase: phase.name, stage }] : [];
  });
}

/**
 * The plan with the last phase of each stage marked `"pause": true` in the config marked `pause`,
 * and, for `--pause-after <stage>`, its last phase of that stage too (the check
 * phase, or its restart or sync phase when the stage has no check). A name that names no stage
 * of this plan is a usage error, before anything is touched.
 */
export function withPauseAfter(plan: Plan, stage: string | undefined): Plan {
  // The stages marked `"pause": true` in the config pause after their last phase.
  const marked = new Set((plan.stages ?? []).filter((planned) => planned.pause).map((planned) => planned.lastPhase as string));
  if (marked.size > 0) plan = { ...plan, phases: plan.phases.map((phase) => (marked.has(phase.name) ? { ...phase, pause: true } : phase)) };
  if (stage === undefined) return plan;
  const known = pauseStages(plan);
  if (!known.includes(stage)) {
    const why =
      stage === 'canaries'
        ? 'this run has no canaries'
        : `no stage is named ${JSON.stringify(stage)}${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
    throw new UserError(`--pause-after ${stage}: ${why}`, 'name canaries (needs canaries) or a stage of `stages`');
  }
  const last = plan.phases.map((phase) => stageOf(phase)).lastIndexOf(stage);
  return { ...plan, phases: plan.phases.map((phase, index) => (index === last ? { ...phase, pause: true } : phase)) };
}
