import type { HistoryEntry } from '../../../src/state/history-file.js';
import type { PhaseReport } from '../../../src/model/run.js';
import type { HostResult, Outcome } from '../../../src/rollout/types.js';

type Recorded = Omit<HostResult, 'note'>;

interface PlannedHost {
  host: string;
  /** Unset: the host does not run (skipped, not started). */
  durationMs?: number;
  outcome?: Outcome;
  exitCode?: number;
  stdout?: string;
  error?: string;
}

/** A sliding window over `hosts` from `startMs`: each host starts when a slot frees up, as the engine does. */
function slidingWindow(phase: string, startMs: number, concurrency: number, hosts: PlannedHost[]): { results: Recorded[]; endMs: number } {
  const slots = Array.from({ length: concurrency }, () => startMs);
  const results: Recorded[] = hosts.map((planned) => {
    const { host, durationMs, outcome = 'ok', ...rest } = planned;
    if (durationMs === undefined) return { host, phase, outcome, ...rest };
    const slot = slots.indexOf(Math.min(...slots));
    const start = (slots[slot] as number) + 2;
    slots[slot] = start + durationMs;
    return { host, phase, outcome, ...rest, startMs: start, durationMs };
  });
  return { results, endMs: Math.max(startMs, ...slots) + 5 };
}

function phaseOf(name: string, startMs: number, endMs: number, results: Recorded[]): PhaseReport {
  const count = (outcome: Outcome) => results.filter((r) => r.outcome === outcome).length;
  return {
    name,
    durationMs: endMs - startMs,
    ok: count('ok'),
    warning: count('warning'),
    failed: count('failed'),
    skipped: count('skipped'),
    notStarted: count('not-started'),
  };
}

const host = (n: number): string => `mw${1300 + n}.eqiad.wmnet`;

/**
 * A realistic `sync-file` run on 12 hosts: 2 canaries synced, restarted and checked (a 10 s
 * wait, two checks), then 10 hosts synced 4 at a time and restarted 3 at a time. mw1309 times
 * out connecting in sync-hosts (failed, then skipped in restart-hosts); mw1306's restart
 * returns 1 (warning).
 */
export function exampleRun(): HistoryEntry {
  const canaries = [1, 2].map(host);
  const others = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(host);
  const phases: PhaseReport[] = [];
  const hosts: Recorded[] = [];
  let cursor = 35;
  const run = (name: string, concurrency: number, planned: PlannedHost[]): void => {
    const { results, endMs } = slidingWindow(name, cursor, concurrency, planned);
    phases.push(phaseOf(name, cursor, endMs, results));
    hosts.push(...results);
    cursor = endMs + 3;
  };
  run('sync-canaries', 2, [
    { host: canaries[0] as string, durationMs: 412 },
    { host: canaries[1] as string, durationMs: 538 },
  ]);
  run('restart-canaries', 2, [
    { host: canaries[0] as string, durationMs: 2_870, exitCode: 0 },
    { host: canaries[1] as string, durationMs: 3_415, exitCode: 0 },
  ]);
  phases.push({ name: 'check-canaries', durationMs: 11_240, ok: 2, warning: 0, failed: 0, skipped: 0, notStarted: 0 });
  cursor += 11_240 + 3;
  const syncMs = [640, 480, 910, 530, 720, 455, 10_012, 610, 830, 505];
  run(
    'sync-hosts',
    4,
    others.map((name, i) =>
      name === host(9)
        ? { host: name, durationMs: syncMs[i] as number, outcome: 'failed', error: `connect to ${name} port 22: timed out after 10s` }
        : { host: name, durationMs: syncMs[i] as number },
    ),
  );
  const restartMs = [3_120, 4_480, 2_950, 6_870, 3_630, 5_210, 0, 3_340, 4_120, 2_780];
  run(
    'restart-hosts',
    3,
    others.map((name, i): PlannedHost => {
      if (name === host(9)) return { host: name, outcome: 'skipped', error: 'its sync failed' };
      if (name === host(6))
        return { host: name, durationMs: restartMs[i] as number, outcome: 'warning', exitCode: 1, stdout: 'opcache: 2 scripts still cached, restarted anyway' };
      return { host: name, durationMs: restartMs[i] as number, exitCode: 0 };
    }),
  );
  return {
    id: '20260312-140211-4f2a',
    user: 'deployer',
    host: 'deploy1002',
    command: 'sync-file',
    path: 'wmf-config/InitialiseSettings.php',
    message: 'T362151: raise $wgMaxArticleSize on testwiki',
    status: 'failed',
    exitCode: 1,
    startedAt: '2026-03-12T14:02:11.204Z',
    durationMs: cursor + 27,
    phases,
    hosts,
  };
}

/** The same run as recorded before hosts carried `startMs`. */
export function exampleRunWithoutStarts(): HistoryEntry {
  const run = exampleRun();
  return { ...run, hosts: run.hosts.map(({ startMs: _startMs, ...rest }) => rest) };
}
