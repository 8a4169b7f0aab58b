import { runId } from '../state/history-file.js';
import type { RunEvent } from '../report/events.js';
import { createHumanReporter } from '../report/human-reporter.js';
import { terminalMode } from '../report/terminal.js';
import { createRedactor, redactEvent, redactReport } from '../report/redact.js';
import type { Transport } from '../transport/types.js';
import { createTransport } from './prepare/create-transport.js';
import type { DeployOptions, RollbackOptions } from './prepare/deploy-options.js';
import { dryRunJson, dryRunLines, dryRunLock } from './dry-run/dry-run.js';
import { executePlan } from './phases/execute-plan.js';
import { canaryStage } from './canary/canary-stage.js';
import { watchInterrupts } from './live/interrupts.js';
import { Journal, journalPath, loadResumePoint } from '../state/journal.js';
import { currentHolder } from '../state/lock-file.js';
import { lockBackend } from '../state/lock-backend.js';
import type { CommandName } from './plan/types.js';
import { prepareRun } from './prepare/prepare-run.js';
import { recordRun } from './finish/record-run.js';
import { buildRunReport } from './finish/run-report.js';
import { failureReason } from './finish/failure-reason.js';
import { announce } from './live/announce.js';
import { finalLine, startLine } from '../report/summary.js';
import { liveStatePath } from '../state/status-file.js';
import { createLivePublisher } from './live/status-publisher.js';
import { versionsFolder } from '../state/kept-versions.js';
import { createVersionKeeper } from './phases/version-keeper.js';
import { canaryAsker } from './canary/asker.js';

/**
 * One deploy run, from config to report: check everything first (usage errors touch
 * nothing), take the lock, run the phases, report and record, release the lock on every
 * path. Returns the exit status.
 */
export async function runDeploy(command: CommandName, options: DeployOptions & { path?: string } & RollbackOptions): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const human = options.json ? (options.stderr ?? process.stderr) : stdout;
  const prepareWarnings: string[] = [];
  const { loaded, file, restore, plan, checksDir, key } = await prepareRun(command, options, (text) => prepareWarnings.push(text));
  const { config } = loaded;
  // The file the run writes: the staged one (sync-file), or the one a rollback puts back.
  const path = file?.relativePath ?? restore?.path;
  // A journal line that cannot be written is one warning (on the screen, once) and the run goes on.
  const journal = new Journal(journalPath(config.lock_file, key), (text) => warn(text));
  const resumeWarnings: string[] = [];
  const resume = options.resume ? loadResumePoint(journal.path, key, (text) => resumeWarnings.push(text)) : undefined;

  if (options.dryRun) {
    const context = { plan, ...(file ? { file } : {}), ...(restore ? { restore } : {}), transport: options.transport?.name ?? config.transport, lock: dryRunLock(config) };
    if (options.json) stdout.write(`${JSON.stringify(dryRunJson(context), null, 2)}\n`);
    else for (const line of dryRunLines(context)) human.write(`${line}\n`);
    return 0;
  }

  const reporter = createHumanReporter({ stream: human, ...terminalMode(human, env), statusEveryMs: 5000 });
  const screenRedactor = config.redact_output ? createRedactor(config.redact_patterns) : undefined;
  // `deploy status` reads what this run is doing from the live state (src/run/live/status-publisher.ts).
  const live = createLivePublisher({ path: liveStatePath(config.lock_file), plan, warn: (text) => warn(text) });
  const report = (event: RunEvent): void => {
    const shown = screenRedactor ? redactEvent(event, screenRedactor) : event;
    reporter.report(shown);
    live.report(shown);
    if (event.type === 'host-end') {
      const resumed = resume?.done.get(event.result.phase)?.has(event.result.host);
      journal.host(resumed ? { ...event.result, outcome: 'ok' } : event.result);
    }
  };
  const warn = (text: string): void => report({ type: 'notice', level: 'warn', text });
  const transport: Transport = options.transport ?? (await createTransport(loaded));
  const commandLine = ['deploy', command, ...(options.path !== undefined ? [options.path] : []), options.message].filter((part) => part !== '').join(' ');
  let lock;
  try {
    lock = await (await lockBackend(config)).acquire(currentHolder(commandLine), warn);
  } catch (error) {
    await transport.close();
    throw error;
  }
  let signalled = false;
  const interrupts = watchInterrupts((signal, count) => {
    signalled = true;
    warn(
      count === 1
        ? `${signal} received: no new host will start; hosts in flight finish their restart (send it again to stop them too)`
        : `${signal} received again: stopping the hosts in flight`,
    );
  }, options.signals ?? process);
  try {
    const startedAt = new Date();
    const started = performance.now();
    const id = runId(startedAt);
    journal.start(id, key, startedAt);
    const start = { type: 'run-start' as const, command, ...(path !== undefined ? { path } : {}), message: options.message, transport: transport.name, hosts: config.targets.length, canaries: config.canaries.length };
    report(start);
    const announced = { command, message: options.message, ...(path !== undefined ? { path } : {}) };
    await announce(config.announce_command, { event: 'start', ...announced, line: startLine(start) }, checksDir, warn);
    if (resume) report({ type: 'notice', level: 'info', text: `Resuming run ${resume.id}: hosts done in it are skipped` });
    for (const text of [...prepareWarnings, ...resumeWarnings]) warn(text);
    if (restore) report({ type: 'notice', level: 'info', text: `Putting back what run ${restore.runId} replaced on ${restore.versions.size} hosts` });
    for (const note of plan.notes) report({ type: 'notice', level: 'info', text: note });
    // Hosts the resumed run finished count as done in this run's journal too, so a resume of a resume works.
    for (const [phase, hosts] of resume?.done ?? []) for (const host of hosts) journal.host({ phase, host, outcome: 'ok' });
    // What each host had before its file is replaced, for rollback (src/state/kept-versions.ts).
    const keeper = file || restore ? createVersionKeeper(versionsFolder(config.history_file), id, warn) : undefined;
    const ask = canaryAsker(options, stdout, env, human);
    const canaryFailure = file ? { versions: { folder: versionsFolder(config.history_file), runId: id }, ...(ask ? { ask } : {}) } : undefined;
    const phaseOptions = { plan, transport, ...(file ? { file } : {}), report, stop: interrupts.stop, kill: interrupts.kill, runStartedAt: startedAt.getTime(), ...(resume ? { resume } : {}), ...(keeper ? { keeper } : {}) };
    const canaries = canaryStage({ ...phaseOptions, cwd: checksDir, ...(canaryFailure ? { canaryFailure } : {}) });
    const execution = await executePlan({ ...phaseOptions, ...(restore ? { restore } : {}), canaryStage: canaries });
    const runReport = buildRunReport({
      command,
      ...(path !== undefined ? { path } : {}),
      message: options.message,
      startedAt,
      durationMs: performance.now() - started,
      execution,
      interrupted: signalled,
    });
    journal.end(runReport.status);
    const reason = failureReason(execution, runReport);
    report({ type: 'run-end', report: runReport, ...(reason ? { reason } : {}) });
    await recordRun({ id, ...(reason ? { reason } : {}) }, runReport, config, warn);
    await announce(config.announce_command, { event: 'end', ...announced, line: finalLine(runReport, reason), status: runReport.status, exitCode: runReport.exitCode }, checksDir, warn);
    if (options.json) stdout.write(`${JSON.stringify(screenRedactor ? redactReport(runReport, screenRedactor) : runReport, null, 2)}\n`);
    return runReport.exitCode;
  } finally {
    reporter.close();
    interrupts.dispose();
    await transport.close().catch(() => undefined);
    await live.close();
    await lock.release();
  }
}
