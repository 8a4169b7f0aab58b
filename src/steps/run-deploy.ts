import { dirname } from 'node:path';
import { split } from 'shlex';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import type { RunEvent, RunReport } from '../report/events.js';
import { createHumanReporter } from '../report/human-reporter.js';
import type { Transport } from '../transport/types.js';
import { createTransport } from './create-transport.js';
import type { DeployOptions } from './deploy-options.js';
import { dryRunJson, dryRunLines } from './dry-run.js';
import { executePlan, type ExecutionResult } from './execute-plan.js';
import { watchInterrupts } from './interrupts.js';
import { acquireLock, currentHolder, describeHolder } from './lock.js';
import { buildPlan, type CommandName } from './plan.js';
import { buildRunReport } from './run-report.js';
import { resolveStagedFile, type StagedFile } from './stage-file.js';

function checkRestartScript(script: string): void {
  try {
    split(script);
  } catch (error) {
    throw new UserError(`php_fpm_restart_script: cannot split ${JSON.stringify(script)} into words: ${(error as Error).message}`);
  }
}

function failureReason(execution: ExecutionResult, report: RunReport): string | undefined {
  const failed = report.hosts.filter((host) => host.outcome === 'failed').length;
  const notStarted = report.hosts.filter((host) => host.outcome === 'not-started').length;
  switch (execution.stoppedBy) {
    case 'canary-checks':
      return 'canary checks failed; no other host was touched';
    case 'failure-limit': {
      const phase = [...execution.phases].reverse().find((run) => run.reached);
      return `failure_limit reached in ${phase?.phase.name}: ${failed} hosts failed, ${notStarted} not started`;
    }
    case 'interrupt':
      return `interrupted by a signal: ${notStarted} hosts not started`;
    default:
      if (report.status === 'interrupted') return 'interrupted by a signal';
      return failed > 0 ? `${failed} host${failed === 1 ? '' : 's'} failed` : undefined;
  }
}

/**
 * One deploy run, from config to report: load and check everything (usage errors touch
 * nothing), take the lock, run the phases, report, release the lock on every path.
 * Returns the exit status.
 */
export async function runDeploy(command: CommandName, options: DeployOptions & { path?: string }): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const human = options.json ? (options.stderr ?? process.stderr) : stdout;
  const loaded: LoadedConfig = loadConfig({
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    defines: options.defines,
    cwd,
    ...(options.systemConfigPath !== undefined ? { systemConfigPath: options.systemConfigPath } : {}),
  });
  const { config } = loaded;
  checkRestartScript(config.php_fpm_restart_script);
  const file: StagedFile | undefined =
    command === 'sync-file' ? await resolveStagedFile(config.stage_dir, config.deploy_dir, options.path ?? '') : undefined;
  const plan = buildPlan(config, { command, force: options.force });
  // Canary checks run from the project config's folder, like its relative paths.
  const projectFile = loaded.files.filter((path) => path !== '/etc/scap.config.json').at(-1);
  const checksDir = projectFile !== undefined ? dirname(projectFile) : cwd;

  if (options.dryRun) {
    const context = { plan, ...(file ? { file } : {}), transport: options.transport?.name ?? config.transport, lockFile: config.lock_file };
    if (options.json) stdout.write(`${JSON.stringify(dryRunJson(context), null, 2)}\n`);
    else for (const line of dryRunLines(context)) human.write(`${line}\n`);
    return 0;
  }

  const interactive = Boolean((human as { isTTY?: boolean }).isTTY) && !env.CI;
  const reporter = createHumanReporter({ stream: human, interactive, color: interactive && env.NO_COLOR === undefined });
  const report = (event: RunEvent): void => reporter.report(event);
  const transport: Transport = options.transport ?? (await createTransport(loaded));
  const commandLine = ['deploy', command, ...(options.path !== undefined ? [options.path] : []), options.message].filter((part) => part !== '').join(' ');
  let lock;
  try {
    lock = acquireLock(config.lock_file, currentHolder(commandLine), (previous) =>
      report({ type: 'notice', level: 'warn', text: `taking over a stale lock ${config.lock_file}: its holder is gone (${describeHolder(previous)})` }),
    );
  } catch (error) {
    await transport.close();
    throw error;
  }
  let signalled = false;
  const interrupts = watchInterrupts((signal, count) => {
    signalled = true;
    report({
      type: 'notice',
      level: 'warn',
      text:
        count === 1
          ? `${signal} received: no new host will start; hosts in flight finish their restart (send it again to stop them too)`
          : `${signal} received again: stopping the hosts in flight`,
    });
  }, options.signals ?? process);
  try {
    const startedAt = new Date();
    const started = performance.now();
    report({
      type: 'run-start',
      command,
      ...(file ? { path: file.relativePath } : {}),
      message: options.message,
      transport: transport.name,
      hosts: config.targets.length,
      canaries: config.canaries.length,
    });
    for (const note of plan.notes) report({ type: 'notice', level: 'info', text: note });
    const execution = await executePlan({ plan, transport, ...(file ? { file } : {}), report, stop: interrupts.stop, kill: interrupts.kill, cwd: checksDir });
    const runReport = buildRunReport({
      command,
      ...(file ? { path: file.relativePath } : {}),
      message: options.message,
      startedAt,
      durationMs: performance.now() - started,
      execution,
      interrupted: signalled,
    });
    const reason = failureReason(execution, runReport);
    report({ type: 'run-end', report: runReport, ...(reason ? { reason } : {}) });
    if (options.json) stdout.write(`${JSON.stringify(runReport, null, 2)}\n`);
    return runReport.exitCode;
  } finally {
    reporter.close();
    interrupts.dispose();
    await transport.close().catch(() => undefined);
    lock.release();
  }
}
