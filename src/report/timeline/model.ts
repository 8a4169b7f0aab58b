import type { Outcome } from '../../rollout/types.js';
import type { PhaseReport, RunReport } from '../../model/run.js';
import { pauseSaid } from '../pause-lines.js';

/** One host in one phase, placed on the run's time axis (ms from the run's start). */
export interface TimelineBar {
  host: string;
  phase: string;
  /** Index of the phase in `TimelineModel.phases`. */
  phaseIndex: number;
  outcome: Outcome;
  startMs: number;
  /** 0 for a host that never ran (skipped, not started). */
  durationMs: number;
  /** False for runs recorded before hosts carried `startMs`: the bar starts at its phase's start. */
  startRecorded: boolean;
  exitCode?: number;
  error?: string;
}

export interface TimelineRow {
  host: string;
  /** In phase order. */
  bars: TimelineBar[];
}

export interface TimelinePhase {
  name: string;
  startMs: number;
  durationMs: number;
  /** The phase as a whole: its worst outcome (a check phase counts check commands). */
  outcome: Outcome;
  counts: Pick<PhaseReport, 'ok' | 'warning' | 'failed' | 'skipped' | 'notStarted'>;
  /** False for a phase no host row has a bar in (canary checks). */
  hasHosts: boolean;
}

/** A pause of the run after a stage, on the same axis: the time between its phase and the next. */
export interface TimelinePause {
  after: string;
  /** Index in `TimelineModel.phases` of the phase it followed. */
  phaseIndex: number;
  startMs: number;
  durationMs: number;
  /** `paused after canaries for 12s: promoted by alice@deploy1 pid 4242`. */
  label: string;
}

export interface TimelineModel {
  id?: string;
  user?: string;
  machine?: string;
  command: string;
  path?: string;
  message: string;
  status: RunReport['status'];
  startedAt: string;
  /** The run's recorded duration. */
  durationMs: number;
  /** The axis length: the run, or further if a bar or phase ends past it. */
  totalMs: number;
  phases: TimelinePhase[];
  rows: TimelineRow[];
  pauses: TimelinePause[];
  /** False when a host that ran has no recorded start (a run recorded before `startMs`). */
  startsRecorded: boolean;
}

/**
 * The most marks one row holds in phases of no length (the phase row included): room renderers
 * keep after the axis's end, where a stopped run's unreached phases and their hosts are drawn.
 */
export function zeroLengthMarks(model: TimelineModel): number {
  const empty = (index: number) => model.phases[index]?.durationMs === 0;
  return Math.max(model.phases.filter((_, index) => empty(index)).length, ...model.rows.map((row) => row.bars.filter((bar) => empty(bar.phaseIndex)).length));
}

/** A recorded run: the `--json` report, with the history file's id and who ran it when known. */
export type RecordedRun = RunReport & { id?: string; user?: string; host?: string };

const nonNegative = (value: number | undefined): number | undefined => (value === undefined || !Number.isFinite(value) ? undefined : Math.max(0, value));

/** A phase's worst outcome; a phase with nothing to do is `skipped`. */
export function phaseOutcome(counts: TimelinePhase['counts']): Outcome {
  if (counts.failed > 0) return 'failed';
  if (counts.warning > 0) return 'warning';
  if (counts.ok > 0) return 'ok';
  if (counts.notStarted > 0) return 'not-started';
  return 'skipped';
}

/** Phases named by host entries but missing from `phases` (a damaged record) still get a place. */
function allPhases(run: RecordedRun): PhaseReport[] {
  const phases = [...run.phases];
  for (const host of run.hosts) {
    if (phases.some((phase) => phase.name === host.phase)) continue;
    const mine = run.hosts.filter((h) => h.phase === host.phase);
    const count = (outcome: Outcome) => mine.filter((h) => h.outcome === outcome).length;
    const durationMs = Math.max(0, ...mine.map((h) => nonNegative(h.durationMs) ?? 0));
    phases.push({
      name: host.phase,
      durationMs,
      ok: count('ok'),
      warning: count('warning'),
      failed: count('failed'),
      skipped: count('skipped'),
      notStarted: count('not-started'),
    });
  }
  return phases;
}

/**
 * Place a recorded run on one time axis. Phases ran in order: each starts where the one before
 * ended, or, when its hosts recorded their start, where its first host started (which also
 * takes up the time between phases). A host bar starts at its recorded `startMs`, or at its
 * phase's start for runs recorded without it.
 */
export function timelineModel(run: RecordedRun): TimelineModel {
  const reports = allPhases(run);
  const phases: TimelinePhase[] = [];
  const pauses: TimelinePause[] = [];
  const runStart = Date.parse(run.startedAt);
  let cursor = 0;
  for (const report of reports) {
    const starts = run.hosts.filter((h) => h.phase === report.name).flatMap((h) => nonNegative(h.startMs) ?? []);
    const startMs = starts.length > 0 ? Math.max(cursor, Math.min(...starts)) : cursor;
    const durationMs = nonNegative(report.durationMs) ?? 0;
    const counts = { ok: report.ok, warning: report.warning, failed: report.failed, skipped: report.skipped, notStarted: report.notStarted };
    phases.push({ name: report.name, startMs, durationMs, outcome: phaseOutcome(counts), counts, hasHosts: false });
    cursor = startMs + durationMs;
    // A pause after this phase: the next phase starts after it.
    for (const pause of (run.pauses ?? []).filter((recorded) => recorded.phase === report.name)) {
      const at = Math.max(cursor, nonNegative(Date.parse(pause.startedAt) - runStart) ?? cursor);
      const length = nonNegative(pause.durationMs) ?? 0;
      pauses.push({ after: pause.after, phaseIndex: phases.length - 1, startMs: at, durationMs: length, label: pauseSaid(pause) });
      cursor = at + length;
    }
  }

  const rows = new Map<string, TimelineRow>();
  for (const host of run.hosts) {
    const phaseIndex = phases.findIndex((phase) => phase.name === host.phase);
    const phase = phases[phaseIndex] as TimelinePhase;
    phase.hasHosts = true;
    const recorded = nonNegative(host.startMs);
    const bar: TimelineBar = {
      host: host.host,
      phase: host.phase,
      phaseIndex,
      outcome: host.outcome,
      startMs: recorded ?? phase.startMs,
      durationMs: nonNegative(host.durationMs) ?? 0,
      startRecorded: recorded !== undefined,
      ...(host.exitCode !== undefined ? { exitCode: host.exitCode } : {}),
      ...(host.error !== undefined ? { error: host.error } : {}),
    };
    const row = rows.get(host.host) ?? { host: host.host, bars: [] };
    row.bars.push(bar);
    rows.set(host.host, row);
  }
  for (const row of rows.values()) row.bars.sort((a, b) => a.phaseIndex - b.phaseIndex || a.startMs - b.startMs);

  const barEnds = [...rows.values()].flatMap((row) => row.bars.map((bar) => bar.startMs + bar.durationMs));
  const durationMs = nonNegative(run.durationMs) ?? 0;
  const totalMs = Math.max(durationMs, cursor, ...barEnds);
  return {
    ...(run.id !== undefined ? { id: run.id } : {}),
    ...(run.user !== undefined ? { user: run.user } : {}),
    ...(run.host !== undefined ? { machine: run.host } : {}),
    command: run.command,
    ...(run.path !== undefined ? { path: run.path } : {}),
    message: run.message,
    status: run.status,
    startedAt: run.startedAt,
    durationMs,
    totalMs,
    phases,
    rows: [...rows.values()],
    pauses,
    startsRecorded: [...rows.values()].every((row) => row.bars.every((bar) => bar.startRecorded || bar.durationMs === 0)),
  };
}
