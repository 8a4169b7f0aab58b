import { journalPath, loadResumePoint, type ResumePoint } from '../state/journal.js';
import { versionsFolder } from '../state/kept-versions.js';
import { canaryAsker } from './canary/asker.js';
import { canaryStage } from './canary/canary-stage.js';
import { showDryRun } from './dry-run/show-dry-run.js';
import { finishRun } from './finish/finish-run.js';
import { createRunOutput, type RunOutput, type RunStreams } from './live/run-output.js';
import { pausePoint } from './live/pause-point.js';
import { executePlan } from './phases/execute-plan.js';
import type { ExecutionResult } from './phases/phase-run.js';
import { createVersionKeeper } from './phases/version-keeper.js';
import { createTreeRecorder } from './phases/tree-recorder.js';
import { createTreeSync } from './phases/tree-run.js';
import { keepHostsTidy, noteBackupRuns } from './phases/tree-housekeeping.js';
import { noteTreeHosts } from './phases/new-tree-task.js';
import { lintBeforeTouching, recordSent } from './phases/lint-step.js';
import { resolveConcurrency } from './plan/limits.js';
import type { DeployOptions } from './prepare/deploy-options.js';
import type { Flow } from './prepare/flow.js';
import { loadRunConfig, prepareRun, type PreparedRun } from './prepare/prepare-run.js';
import { holdRun, type HeldRun } from './start/hold-run.js';
import { openTransport } from './start/open-transport.js';
import { startRun, type StartedRun } from './start/start-run.js';

/**
 * One deploy run, as every command runs it (its service, src/services, describes it in a Flow):
 * check everything first (usage errors touch nothing), take the lock, run the phases (the
 * canary stage, then the rest of the fleet), report and record, and let go of the lock on
 * every path. Returns the exit status.
 */
export async function runDeploy(flow: Flow, options: DeployOptions): Promise<number> {
  const streams = runStreams(options);
  // Warnings from before the run has a screen are shown once it has one.
  const early: string[] = [];
  const loaded = loadRunConfig(flow, options);
  if (options.dryRun) {
    const prepared = await prepareRun(flow, options, loaded, (text) => early.push(text));
    if (options.resume) loadResume(prepared, early);
    return showDryRun(prepared, options.transport?.name ?? loaded.config.transport, options.json, streams.stdout, streams.human);
  }
  // The transport opens, its first hosts connecting, while the stage is read and the plan made.
  const opening = openTransport(loaded, options);
  opening.catch(() => undefined);
  let prepared: PreparedRun;
  let resume: ResumePoint | undefined;
  let output: RunOutput;
  try {
    prepared = await prepareRun(flow, options, loaded, (text) => early.push(text));
    resume = options.resume ? loadResume(prepared, early) : undefined;
    output = await createRunOutput(prepared, streams, resume);
  } catch (error) {
    await opening.then((transport) => transport.close()).catch(() => undefined);
    throw error;
  }
  const held = await holdRun(flow, prepared, options, await opening, output.warn);
  try {
    const started = await startRun(flow, prepared, options, output, held.transport.name, resume, early);
    const execution = await runPhases(prepared, started, output, held, options, streams, resume);
    const finish = { config: prepared.loaded.config, checksDir: prepared.checksDir, message: options.message, json: options.json, stdout: streams.stdout };
    return await finishRun(started, execution, output, { ...finish, interrupted: held.signalled() });
  } finally {
    await letGo(output, held);
  }
}

/** On every path, in this order: the screen, the signal handlers, the transport, the status file, the lock. */
async function letGo(output: RunOutput, held: HeldRun): Promise<void> {
  output.closeScreen();
  held.interrupts.dispose();
  await held.transport.close().catch(() => undefined);
  await output.closeLive();
  await held.lock.release();
}

function runStreams(options: DeployOptions): RunStreams {
  const stdout = options.stdout ?? process.stdout;
  return { env: options.env ?? process.env, stdout, human: options.json ? (options.stderr ?? process.stderr) : stdout };
}

/** --resume: the hosts done in the last interrupted or aborted run of the same command and arguments. */
function loadResume(prepared: PreparedRun, warnings: string[]): ResumePoint {
  const path = journalPath(prepared.loaded.config.lock_file, prepared.key);
  return loadResumePoint(path, prepared.key, (text) => warnings.push(text));
}

/**
 * The plan's phases: the canary stage (its checks, the deployer's answer on a terminal, the
 * canaries reverted) is passed to the phases, which run it in its place among them.
 */
async function runPhases(
  prepared: PreparedRun,
  started: StartedRun,
  output: RunOutput,
  held: HeldRun,
  options: DeployOptions,
  streams: RunStreams,
  resume: ResumePoint | undefined,
): Promise<ExecutionResult> {
  const { plan, file, tree, restore } = prepared;
  const { config } = prepared.loaded;
  const versions = versionsFolder(config.history_file);
  const { transport, interrupts } = held;
  const { report, warn } = output;
  // What each host had before its file is replaced, for rollback (src/state/kept-versions.ts).
  const recorder =
    tree || (file && config.deploy_layout === 'releases')
      ? createTreeRecorder(versions, started.id, tree?.relativePath ?? file?.relativePath ?? '.', tree?.source ?? '', warn)
      : undefined;
  const treeSync = await createTreeSync({
    config,
    plan,
    ...(tree ? { tree } : {}),
    ...(file ? { file } : {}),
    runId: started.id,
    ...(recorder ? { recorder } : {}),
  });
  const keeper = (file && !treeSync) || restore ? createVersionKeeper(versions, started.id, warn) : undefined;
  const ask = canaryAsker(options, streams.stdout, streams.env, streams.human);
  const canaryFailure = file || tree ? { versions: { folder: versions, runId: started.id }, ...(ask ? { ask } : {}) } : undefined;
  const phases = {
    plan,
    transport,
    ...(file ? { file } : {}),
    report,
    stop: interrupts.stop,
    kill: interrupts.kill,
    runStartedAt: started.startedAt.getTime(),
    ...(resume ? { resume } : {}),
    ...(keeper ? { keeper } : {}),
    ...(treeSync ? { treeSync } : {}),
  };
  const canaries = canaryStage({ ...phases, cwd: prepared.checksDir, ...(canaryFailure ? { canaryFailure } : {}) });
  const linted = prepared.lint ? await lintBeforeTouching(prepared.lint, plan, report, interrupts.stop) : undefined;
  if (linted) return linted;
  // A stage marked `pause` (or --pause-after) waits here for deploy promote / abort, pause_timeout at most.
  const pause = pausePoint({ lockFile: config.lock_file, timeoutMs: config.pause_timeout * 1000, report, warn, stop: interrupts.stop });
  const execution = await executePlan({ ...phases, ...(restore ? { restore } : {}), canaryStage: canaries, pause });
  if (treeSync) {
    const concurrency = resolveConcurrency(config.sync_concurrency, config.targets.length);
    await keepHostsTidy(execution, { transport, sync: treeSync, keepReleases: config.keep_releases, concurrency, stop: interrupts.stop, warn });
    await noteTreeHosts(execution, treeSync, config.history_file, warn);
    await noteBackupRuns(execution, treeSync, config.history_file, warn);
  }
  const clean = execution.phases.every((run) => run.results.every((result) => result.outcome !== 'failed'));
  if (prepared.lint && execution.stoppedBy === undefined && clean) await recordSent(prepared.lint, config.history_file, warn);
  return execution;
}
