import type { CanaryCheck } from '../../checks/types.js';
import type { PoolOptions } from '../../rollout/types.js';

/** The plan's data: what a run does, phase by phase. Types only. */

/** A restart phase's pools: the engine's options, and each pool's hosts in the phase. */
export interface PhasePools extends PoolOptions {
  /** Pools with hosts in the phase, in config order (`default` last), with those hosts. */
  members: Array<{ name: string; hosts: string[] }>;
}

export type CommandName = 'sync-file' | 'sync-world' | 'php-fpm-restart' | 'rollback';
/**
 * `sync-proxies`, `rollback-sync`, `rollback-restart`, and per step of the flow (`canaries`, each
 * stage's name, `hosts`): `sync-<step>`, `restart-<step>`, `check-<step>` (no `check-hosts`).
 */
export type PhaseName = 'sync-proxies' | 'rollback-sync' | 'rollback-restart' | `sync-${string}` | `restart-${string}` | `check-${string}`;

export interface HostPhase {
  name: PhaseName;
  /** Every host taking part, in order; some may be skipped by design. */
  hosts: string[];
  /** Hosts skipped by design, with the reason. */
  skip: Map<string, string>;
  concurrency: number;
  failureLimit: number;
  /** The run pauses after this phase (the last of its stage) when it ends well: see plan/pause.ts. */
  pause?: boolean;
}

export interface SyncPhase extends HostPhase {
  kind: 'sync';
  /** With `sync_proxies` (target phases): each target pulls from its proxies in this order. */
  proxies?: { order: Map<string, string[]>; module: string };
}

export interface RestartPhase extends HostPhase {
  kind: 'restart';
  argv: string[];
  timeoutMs: number;
  stallTimeoutMs: number;
  /** Set when `pools` is configured: per-pool caps and limits for this phase. */
  pools?: PhasePools;
}

/** The checks after a step: `check-canaries`, or `check-<stage>`. */
export interface CheckPhase {
  name: `check-${string}`;
  kind: 'check';
  /** `canaries`, or the stage's name. */
  stage: string;
  /** The hosts checked: the canaries, or the stage's hosts. */
  hosts: string[];
  checks: CanaryCheck[];
  waitMs: number;
  timeoutMs: number;
  /** --force: no wait, no check. */
  skipChecks: boolean;
  /** Set for shell checks: DEPLOY_CANARIES; for a stage DEPLOY_STAGE and DEPLOY_STAGE_HOSTS too. */
  env: Record<string, string>;
  /** sync-file: what failed checks lead to, the rollback of every host synced before them; absent: abort. */
  failure?: CanaryFailurePlan;
  /** The run pauses after this phase, once its checks passed (a stage with `pause`, or `--pause-after`): see plan/pause.ts. */
  pause?: boolean;
}

/** A step of `stages`, as planned: its hosts, and the phase it ends with (the pause, if any, comes after it). */
export interface PlannedStage {
  name: string;
  hosts: string[];
  waitMs: number;
  pause: boolean;
  /** The stage's last phase (`check-<stage>`, else `restart-<stage>`, else `sync-<stage>`). */
  lastPhase: PhaseName;
}

export type Phase = SyncPhase | RestartPhase | CheckPhase;

export interface Plan {
  command: CommandName;
  phases: Phase[];
  /** One line each: why a phase is left out, what --force does. */
  notes: string[];
  /** Every target's pool, when `pools` is configured. */
  pools?: Map<string, string>;
  /** sync-file with canaries: what failed canary checks lead to (plan/canary-failure-plan.ts; run by canary/revert-canaries.ts). */
  canaryFailure?: CanaryFailurePlan;
  /** `stages`, in order (absent or empty without). */
  stages?: PlannedStage[];
}

export interface PlanOptions {
  command: CommandName;
  force: boolean;
  /** The run writes a file on each host (sync-file, rollback): sync phases. */
  syncs?: boolean;
  /** deploy_layout "releases" with a run that writes: restarts use the always-restart threshold (the cut-over). */
  releases?: boolean;
  /** Targets may pull the file from sync_proxies (sync-file). */
  viaProxies?: boolean;
  /** Failed canary checks may revert the canaries (sync-file). */
  revertsCanaries?: boolean;
  /** Last restart duration per host, for restart_order "slowest-first". */
  durations?: ReadonlyMap<string, number>;
}

export type CanaryFailureAction = 'rollback' | 'abort';

/** What a sync-file run does when the checks of a step fail (`canary_failure_action`). */
export interface CanaryFailurePlan {
  action: CanaryFailureAction;
  /** Put the old file back on the hosts synced so far that received the new one (from this machine, atomically). */
  sync: SyncPhase;
  /** Restart them again with the always-restart threshold; absent without a restart script. */
  restart?: RestartPhase;
}
