import type { LiveHost, LivePhase, LivePool, LiveState } from '../state/status-file.js';
import type { LockHolder } from '../state/lock-holder.js';

export type HostState = 'running' | 'retrying' | 'stalled' | 'failed';

/** One host that is not queued, as `deploy status` shows it. */
export interface StatusHost {
  host: string;
  phase: string;
  state: HostState;
  pool?: string;
  /** running, retrying, stalled: how long since it started in its phase. */
  forMs?: number;
  /** stalled: how long it has been silent. */
  silentMs?: number;
  attempt?: number;
  error?: string;
}

export interface StatusPhase {
  name: string;
  elapsedMs: number;
  queued: number;
  running: number;
  retrying: number;
  stalled: number;
  ok: number;
  warning: number;
  failed: number;
  skipped: number;
  notStarted: number;
  total: number;
}

/** What `deploy status --json` prints (the text is drawn from the same object). */
export interface StatusView {
  running: boolean;
  /** No deploy runs, and the last one was cut off (its process died without ending it). */
  cutOff: boolean;
  holder?: LockHolder;
  /** The holder runs on another machine (a shared etcd lock): its progress is shown there. */
  holderElsewhere?: boolean;
  run?: { command: string; path?: string; message: string; pid: number; user: string; host: string; startedAt: string; updatedAt: string };
  phase?: StatusPhase;
  done?: Array<{ name: string; durationMs: number; ok: number; warning: number; failed: number; skipped: number; notStarted: number }>;
  hosts?: StatusHost[];
  moreFailed?: number;
  pools?: Array<LivePool & { queued: number }>;
  /** The last run's final line, when no deploy runs. */
  lastRun?: { line: string; status: string; startedAt: string };
  /**
   * Set while the run holding the lock is paused after a stage (it waits for `deploy promote` or
   * `deploy abort`; `running` then only says that a run holds the lock): since when, what is left.
   */
  paused?: { after: string; phase: string; since: string; forMs: number; timeoutInMs: number; left: Array<{ phase: string; hosts?: number }> };
}

export interface StatusInput {
  /** The live state of the run that holds the lock, or the last one (finished or cut off). */
  live?: LiveState;
  liveWriterAlive: boolean;
  holder?: LockHolder;
  holderAlive: boolean;
  lastRun?: StatusView['lastRun'];
  now: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function viewHost(host: LiveHost, stallAfterMs: number | undefined, now: number): StatusHost {
  const base = { host: host.host, phase: host.phase, ...(host.pool !== undefined ? { pool: host.pool } : {}) };
  if (host.state === 'failed') return { ...base, state: 'failed', error: host.error ?? 'unknown error' };
  const forMs = Math.max(0, now - host.startedAt);
  if (host.state === 'retrying')
    return { ...base, state: 'retrying', forMs, ...(host.attempt !== undefined ? { attempt: host.attempt } : {}), error: host.error ?? '' };
  const silentMs = Math.max(0, now - host.lastActivityAt);
  if (stallAfterMs !== undefined && silentMs > stallAfterMs) return { ...base, state: 'stalled', forMs, silentMs };
  return { ...base, state: 'running', forMs };
}

function viewPhase(phase: LivePhase, hosts: readonly StatusHost[], now: number): StatusPhase {
  const { counts } = phase;
  const mine = hosts.filter((host) => host.phase === phase.name);
  const count = (state: HostState) => mine.filter((host) => host.state === state).length;
  const inFlight = count('running') + count('retrying') + count('stalled');
  return {
    name: phase.name,
    elapsedMs: Math.max(0, now - phase.startedAt),
    queued: Math.max(0, counts.left - inFlight),
    running: count('running'),
    retrying: count('retrying'),
    stalled: count('stalled'),
    ok: counts.ok,
    warning: counts.warning,
    failed: counts.failed,
    skipped: counts.skipped,
    notStarted: counts.notStarted,
    total: counts.total,
  };
}

/** The live state as status shows it: a running view, or "no deploy running" with the last run. */
export function buildStatusView(input: StatusInput): StatusView {
  const { live, now } = input;
  const liveRunning = live !== undefined && live.finished === undefined && input.liveWriterAlive;
  const holder = input.holder && input.holderAlive ? { holder: input.holder } : {};
  if (!liveRunning) {
    const cutOff = (live !== undefined && live.finished === undefined) || (input.holder !== undefined && !input.holderAlive);
    return {
      running: input.holderAlive && input.holder !== undefined,
      cutOff: cutOff && !input.holderAlive,
      ...holder,
      ...(input.lastRun ? { lastRun: input.lastRun } : {}),
    };
  }
  const hosts = live.hosts.map((host) => viewHost(host, live.phase?.stallAfterMs, now));
  const order: HostState[] = ['stalled', 'retrying', 'failed', 'running'];
  hosts.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state) || (b.forMs ?? 0) - (a.forMs ?? 0));
  return {
    running: true,
    cutOff: false,
    ...holder,
    run: {
      command: live.command,
      ...(live.path !== undefined ? { path: live.path } : {}),
      message: live.message,
      pid: live.pid,
      user: live.user,
      host: live.host,
      startedAt: iso(live.startedAt),
      updatedAt: iso(live.updatedAt),
    },
    ...(live.phase ? { phase: viewPhase(live.phase, hosts, now) } : {}),
    done: live.done.map((phase) => ({
      name: phase.name,
      durationMs: Math.round(phase.durationMs ?? 0),
      ok: phase.counts.ok,
      warning: phase.counts.warning,
      failed: phase.counts.failed,
      skipped: phase.counts.skipped,
      notStarted: phase.counts.notStarted,
    })),
    hosts,
    moreFailed: live.moreFailed,
    ...(live.paused
      ? {
          paused: {
            after: live.paused.after,
            phase: live.paused.phase,
            since: iso(live.paused.since),
            forMs: Math.max(0, now - live.paused.since),
            timeoutInMs: Math.max(0, live.paused.timeoutAt - now),
            left: live.paused.left,
          },
        }
      : {}),
    ...(live.pools
      ? {
          pools: live.pools.map((pool) => ({
            ...pool,
            queued: pool.halted ? 0 : Math.max(0, pool.total - pool.running - pool.ok - pool.warning - pool.failed),
          })),
        }
      : {}),
  };
}
