import { startLine } from '../../report/summary.js';
import { runId } from '../../state/history-file.js';
import type { ResumePoint } from '../../state/journal.js';
import { announce, type Announcement } from '../live/announce.js';
import type { RunOutput } from '../live/run-output.js';
import type { DeployOptions } from '../prepare/deploy-options.js';
import type { Flow } from '../prepare/flow.js';
import type { PreparedRun } from '../prepare/prepare-run.js';

/** A run once started: its id and clocks, and what its announcements say. */
export interface StartedRun {
  id: string;
  startedAt: Date;
  /** performance.now() at the start, for the run's duration. */
  started: number;
  /** The file the run writes: the staged one (sync-file), or the one a rollback puts back. */
  path?: string;
  announced: Pick<Announcement, 'command' | 'message' | 'path'>;
  /** A tree run: the files and bytes it syncs. */
  tree?: { files: number; bytes: number };
}

/**
 * Start the run: its journal header, the run-start event, the start announcement, then the
 * notices (resume, warnings from before the run had a screen, what a rollback puts back, the plan's notes).
 */
export async function startRun(
  flow: Flow,
  prepared: PreparedRun,
  options: DeployOptions,
  output: RunOutput,
  transportName: string,
  resume: ResumePoint | undefined,
  earlyWarnings: readonly string[],
): Promise<StartedRun> {
  const { config } = prepared.loaded;
  const { report, warn, journal } = output;
  const { command } = flow;
  const { restore, plan } = prepared;
  // The whole stage (sync-world) names no path.
  const treePath = prepared.tree?.relativePath === '.' ? undefined : prepared.tree?.relativePath;
  const path = prepared.file?.relativePath ?? treePath ?? (restore?.path === '.' ? undefined : restore?.path);
  const startedAt = new Date();
  const started = performance.now();
  const id = runId(startedAt);
  journal.start(id, prepared.key, startedAt);
  const start = {
    type: 'run-start' as const,
    command,
    ...(path !== undefined ? { path } : {}),
    message: options.message,
    transport: transportName,
    hosts: config.targets.length,
    canaries: config.canaries.length,
  };
  report(start);
  const announced = { command, message: options.message, ...(path !== undefined ? { path } : {}) };
  await announce(config.announce_command, { event: 'start', ...announced, line: startLine(start) }, prepared.checksDir, warn);
  if (resume) report({ type: 'notice', level: 'info', text: `Resuming run ${resume.id}: hosts done in it are skipped` });
  for (const text of earlyWarnings) warn(text);
  if (restore)
    report({ type: 'notice', level: 'info', text: `Putting back what run ${restore.runId} replaced on ${(restore.trees ?? restore.versions).size} hosts` });
  for (const note of plan.notes) report({ type: 'notice', level: 'info', text: note });
  // Hosts the resumed run finished count as done in this run's journal too, so a resume of a resume works.
  for (const [phase, hosts] of resume?.done ?? []) for (const host of hosts) journal.host({ phase, host, outcome: 'ok' });
  const tree = prepared.tree ? { files: prepared.tree.files, bytes: prepared.tree.bytes } : undefined;
  return { id, startedAt, started, ...(path !== undefined ? { path } : {}), announced, ...(tree ? { tree } : {}) };
}
