import { hostname, userInfo } from 'node:os';
import type { RunEvent } from '../../model/run.js';
import { finalLine } from '../../report/summary.js';
import type { PhaseCounts } from '../../rollout/types.js';
import type { LiveAnswer, LiveHost, LivePause, LivePhase, LivePool, LiveState } from '../../state/status-file.js';
import type { Plan } from '../plan/types.js';

/** Failed hosts listed by name in the live state; more are only counted. */
const MAX_FAILED_LISTED = 50;
/** The least silence shown as stalled, and the silence used when restart_stall_timeout is off. */
const STALL_FLOOR_MS = 10_000;
const STALL_WITHOUT_WATCHDOG_MS = 30_000;

/**
 * When a silent running host is shown as stalled: half of restart_stall_timeout (the engine
 * stops it at the whole), at least 10 s; with the watchdog off, 30 s. Only restart phases:
 * a sync or a check prints nothing while it works.
 */
export function stallAfterMs(stallTimeoutMs: number): number {
  return stallTimeoutMs > 0 ? Math.max(STALL_FLOOR_MS, stallTimeoutMs / 2) : STALL_WITHOUT_WATCHDOG_MS;
}

const emptyCounts = (total: number): PhaseCounts => ({ total, ok: 0, warning: 0, failed: 0, skipped: 0, notStarted: 0, running: 0, left: total });

export interface StatusTrackerOptions {
  plan: Plan;
  now?: () => number;
  writer?: { pid: number; host: string; user: string };
}

/**
 * The run's live state, kept up to date from the same events the human reporter hears.
 * `update` says whether the event is worth publishing at once (a phase or the run starting or
 * ending) or may wait for the next throttled write.
 */
export class StatusTracker {
  private readonly now: () => number;
  private readonly writer: { pid: number; host: string; user: string };
  private run: Pick<LiveState, 'command' | 'path' | 'message' | 'transport' | 'startedAt'> | undefined;
  private phase: LivePhase | undefined;
  private readonly done: LivePhase[] = [];
  private readonly active = new Map<string, LiveHost>();
  private readonly failed: LiveHost[] = [];
  private pools: Map<string, LivePool> | undefined;
  private finished: LiveState['finished'];
  private paused: LivePause | undefined;
  private answered: LiveAnswer | undefined;

  constructor(private readonly options: StatusTrackerOptions) {
    this.now = options.now ?? Date.now;
    this.writer = options.writer ?? { pid: process.pid, host: hostname(), user: userInfo().username };
  }

  get started(): boolean {
    return this.run !== undefined;
  }

  get ended(): boolean {
    return this.finished !== undefined;
  }

  update(event: RunEvent): 'now' | 'later' | 'ignore' {
    if (event.type === 'run-start') {
      this.run = {
        command: event.command,
        ...(event.path !== undefined ? { path: event.path } : {}),
        message: event.message,
        transport: event.transport,
        startedAt: this.now(),
      };
      return 'now';
    }
    if (!this.run || this.finished) return 'ignore';
    switch (event.type) {
      case 'phase-start':
        this.startPhase(event.phase, event.hosts);
        return 'now';
      case 'phase-end':
        if (this.phase) this.done.push({ ...this.phase, counts: event.counts, durationMs: event.durationMs });
        this.phase = undefined;
        this.active.clear();
        return 'now';
      case 'run-end':
        this.finished = {
          status: event.report.status,
          exitCode: event.report.exitCode,
          line: finalLine(event.report, event.reason),
          reportStartedAt: event.report.startedAt,
        };
        return 'now';
      case 'host-start':
        this.active.set(event.host, {
          host: event.host,
          phase: event.phase,
          state: 'running',
          ...this.poolOf(event.host),
          startedAt: event.at,
          lastActivityAt: event.at,
        });
        this.pool(event.host, (pool) => pool.running++);
        return 'later';
      case 'host-retry':
        return this.touch(event.host, { state: 'retrying', attempt: event.attempt + 1, error: event.error });
      case 'host-command':
      case 'host-output':
        return this.touch(event.host, { state: 'running' });
      case 'host-end': {
        const host = this.active.get(event.result.host);
        this.active.delete(event.result.host);
        const { outcome } = event.result;
        this.pool(event.result.host, (pool) => {
          if (host) pool.running--;
          if (outcome === 'ok' || outcome === 'warning' || outcome === 'failed') pool[outcome]++;
        });
        if (outcome === 'failed') {
          const at = this.now();
          this.failed.push({
            host: event.result.host,
            phase: event.result.phase,
            state: 'failed',
            ...this.poolOf(event.result.host),
            startedAt: host?.startedAt ?? at,
            lastActivityAt: at,
            error: event.result.error ?? 'unknown error',
          });
        }
        return 'later';
      }
      case 'progress':
        if (this.phase?.name === event.phase) this.phase.counts = event.counts;
        return 'later';
      case 'check-result':
        if (this.phase) {
          const counts = this.phase.counts;
          this.phase.counts = { ...counts, ok: counts.ok + (event.ok ? 1 : 0), failed: counts.failed + (event.ok ? 0 : 1), left: Math.max(0, counts.left - 1) };
        }
        return 'later';
      case 'paused': {
        const since = this.now();
        const { after, phase, token, left } = event;
        this.paused = { after, phase, since, timeoutAt: since + event.timeoutMs, token, left };
        return 'now';
      }
      case 'pause-end':
        this.paused = undefined;
        this.answered = {
          token: event.token,
          answer: event.answer,
          at: this.now(),
          ...(event.request ? { request: event.request } : {}),
          ...(event.by ? { by: event.by } : {}),
        };
        return 'now';
      case 'pool-halted': {
        const pool = this.pools?.get(event.pool);
        if (pool) pool.halted = true;
        return 'later';
      }
      default:
        return 'ignore';
    }
  }

  /** The state to publish now. */
  snapshot(): LiveState {
    const run = this.run ?? { command: '', message: '', transport: '', startedAt: this.now() };
    const failed = this.failed.slice(-MAX_FAILED_LISTED);
    return {
      version: 1,
      ...this.writer,
      ...run,
      updatedAt: this.now(),
      ...(this.phase ? { phase: { ...this.phase } } : {}),
      done: this.done,
      hosts: [...this.active.values(), ...failed],
      moreFailed: this.failed.length - failed.length,
      ...(this.pools ? { pools: [...this.pools.values()].map((pool) => ({ ...pool })) } : {}),
      ...(this.finished ? { finished: this.finished } : {}),
      ...(this.paused ? { paused: this.paused } : {}),
      ...(this.answered ? { answered: this.answered } : {}),
    };
  }

  /** Close without a run-end (the run threw): say it ended without a report. */
  endWithoutReport(): void {
    if (!this.run || this.finished) return;
    const what = this.run.path !== undefined ? `${this.run.command} ${this.run.path}` : this.run.command;
    this.finished = { status: 'unknown', exitCode: -1, line: `Ended ${what} without a report`, reportStartedAt: new Date(this.run.startedAt).toISOString() };
  }

  private startPhase(name: string, hosts: number): void {
    const planned = this.options.plan.phases.find((phase) => phase.name === name);
    this.phase = {
      name,
      startedAt: this.now(),
      counts: emptyCounts(hosts),
      ...(planned?.kind === 'restart' ? { stallAfterMs: stallAfterMs(planned.stallTimeoutMs) } : {}),
    };
    this.active.clear();
    const members = planned?.kind === 'restart' ? planned.pools?.members : undefined;
    this.pools = members
      ? new Map(
          members.map((member) => [member.name, { name: member.name, total: member.hosts.length, running: 0, ok: 0, warning: 0, failed: 0, halted: false }]),
        )
      : undefined;
  }

  private poolOf(host: string): { pool?: string } {
    const pool = this.options.plan.pools?.get(host);
    return pool !== undefined ? { pool } : {};
  }

  private pool(host: string, change: (pool: LivePool) => void): void {
    const name = this.options.plan.pools?.get(host);
    const pool = name !== undefined ? this.pools?.get(name) : undefined;
    if (pool) change(pool);
  }

  private touch(name: string, change: Partial<LiveHost>): 'later' | 'ignore' {
    const host = this.active.get(name);
    if (!host) return 'ignore';
    // Output after a retry means the host is connected: its retry is over.
    const next: LiveHost = { ...host, ...change, lastActivityAt: this.now() };
    if (next.state === 'running') {
      delete next.attempt;
      delete next.error;
    }
    this.active.set(name, next);
    return 'later';
  }
}
