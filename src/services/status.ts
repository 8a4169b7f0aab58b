import { setTimeout as sleep } from 'node:timers/promises';
import { statusLines } from '../report/status-lines.js';
import { buildStatusView, type StatusView } from '../report/status-view.js';
import { finalLine } from '../report/summary.js';
import { readHistory } from '../state/history-file.js';
import { isWriterAlive, statusFilePath, readStatusFile, type LiveState } from '../state/status-file.js';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { readLockHolder } from '../state/lock-file.js';
import { isStale, type LockHolder } from '../state/lock-holder.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';
import { lockBackend } from '../state/configured-lock.js';

export interface StatusOptions extends AdminOptions {
  /** Redraw until the run ends. */
  watch?: boolean;
  /** Time between two views with --watch (default: 1 s on a terminal, 2 s otherwise). */
  intervalMs?: number;
  /** Where warnings go (a damaged file skipped); process.stderr by default. */
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** The clock the view is drawn at (tests). */
  now?: () => number;
  /** Stop watching (tests); a watch also ends when the run does. */
  signal?: AbortSignal;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/** The last run's final line: the newer of the history's last entry and the finished live state. */
function lastRun(historyFile: string, live: LiveState | undefined, warn: (text: string) => void): StatusView['lastRun'] {
  let entry;
  try {
    entry = readHistory(historyFile, warn).at(-1);
  } catch (error) {
    warn((error as Error).message);
  }
  const fromHistory = entry ? { line: finalLine(entry, entry.reason), status: entry.status, startedAt: entry.startedAt } : undefined;
  const finished = live?.finished;
  // The live state is finished before the history line is written, and is there for a user whose own history is elsewhere.
  if (finished && (!fromHistory || finished.reportStartedAt > fromHistory.startedAt))
    return { line: finished.line, status: finished.status, startedAt: finished.reportStartedAt };
  return fromHistory;
}

/** The view from the lock's holder (read by the caller) and the live state beside lock_file. */
function statusView(config: Config, holder: LockHolder | undefined, options: StatusOptions, warn: (text: string) => void): StatusView {
  const live = readStatusFile(statusFilePath(config.lock_file), warn);
  const liveWriterAlive = live !== undefined && isWriterAlive(live);
  const running = (live !== undefined && live.finished === undefined && liveWriterAlive) || (holder !== undefined && !isStale(holder));
  const view = buildStatusView({
    ...(live ? { live } : {}),
    liveWriterAlive,
    ...(holder ? { holder } : {}),
    holderAlive: holder !== undefined && !isStale(holder),
    ...(running ? {} : { lastRun: lastRun(config.history_file, live, warn) }),
    now: (options.now ?? Date.now)(),
  });
  // A holder on another deploy server (a shared etcd lock) publishes its progress there, not here.
  return view.holder !== undefined && view.holder.host !== hostname() ? { ...view, holderElsewhere: true } : view;
}

/** One look at the lock file and the live state (file backend). Never takes the lock. */
export function readStatus(options: StatusOptions, warn: (text: string) => void): StatusView {
  const config = loadAdminConfig(options);
  return statusView(config, readLockHolder(config.lock_file), options, warn);
}

/** One look at the lock, on either backend (etcd's key with `lock_backend: "etcd"`), and the live state. */
export async function lookStatus(options: StatusOptions, warn: (text: string) => void): Promise<StatusView> {
  const config = loadAdminConfig(options);
  return statusView(config, await lockBackend(config).holder(warn), options, warn);
}

/** On a terminal with room: clear it and draw from the top; a 0-column terminal gets plain blocks. */
function canRedraw(out: Out, env: NodeJS.ProcessEnv): boolean {
  return out.isTTY === true && (out.columns ?? 0) > 0 && !env.CI;
}

/**
 * `deploy status [--json] [--watch]`: what the running deploy is doing, or `no deploy running`
 * with the last run's final line. `--watch` draws again every interval until no deploy runs:
 * redrawn in place on a terminal, otherwise one block (or JSON line) after another.
 */
export async function showStatus(options: StatusOptions): Promise<number> {
  const out: Out = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const warned = new Set<string>();
  const warn = (text: string): void => {
    if (warned.has(text)) return;
    warned.add(text);
    stderr.write(`Warning: ${text}\n`);
  };
  const redraw = options.watch === true && !options.json && canRedraw(out, env);
  const draw = (view: StatusView): void => {
    if (options.json) {
      out.write(options.watch ? `${JSON.stringify(view)}\n` : `${JSON.stringify(view, null, 2)}\n`);
      return;
    }
    if (!redraw) {
      out.write(`${statusLines(view).join('\n')}\n${options.watch ? '\n' : ''}`);
      return;
    }
    const columns = out.columns ?? 80;
    const lines = statusLines(view, { maxHosts: Math.max(1, (out.rows ?? 24) - 12) }).map((line) =>
      line.length > columns ? `${line.slice(0, columns - 1)}…` : line,
    );
    out.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
  };
  let view = await lookStatus(options, warn);
  draw(view);
  const intervalMs = options.intervalMs ?? (redraw ? 1000 : 2000);
  while (options.watch && view.running && !options.signal?.aborted) {
    await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) break;
    view = await lookStatus(options, warn);
    draw(view);
  }
  return 0;
}
