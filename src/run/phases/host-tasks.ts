import { BugError } from '../../errors.js';
import { formatSeconds } from '../../lib/duration.js';
import type { Reporter } from '../../model/run.js';
import type { RolloutOptions } from '../../rollout/rollout.js';
import type { HostTask } from '../../rollout/types.js';
import { renderCommand } from '../../transport/quote.js';
import type { PreviousFile, Transport } from '../../transport/types.js';
import type { VersionKeeper } from './version-keeper.js';
import { switchRelease } from './release-tasks.js';
import type { TreeSync } from './tree-run.js';
import type { RestartPhase } from '../plan/types.js';
import type { StagedFile } from '../prepare/stage-file.js';

/**
 * What one host does in a phase: write the staged file (keeping what the host had, when a
 * keeper is given), or run the restart command.
 */
export function syncTask(transport: Transport, file: StagedFile, keeper?: VersionKeeper): HostTask {
  return async (host, context) => {
    const written = await transport.writeFile(host, file.destination, file.content, {
      signal: context.signal,
      mode: file.mode,
      onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
      ...(keeper ? { keep: (previous: PreviousFile | null) => keeper.keep(host, previous) } : {}),
    });
    if (!written.changed) return { outcome: 'ok', note: 'unchanged' };
    keeper?.replaced(host, file.destination, file);
    return { outcome: 'ok' };
  };
}

/** A restart; with releases, the host's `current` is switched to its new release right before it. */
export function restartTask(transport: Transport, phase: RestartPhase, report: Reporter, treeSync?: TreeSync): HostTask {
  const command = renderCommand(phase.argv);
  return async (host, context) => {
    if (treeSync) await switchRelease(transport, treeSync, host, context);
    const result = await transport.exec(host, phase.argv, {
      signal: context.signal,
      onStart: () => context.commandStarted(),
      onOutput: () => context.activity(),
      onRetry: (attempt, error, delayMs) => context.retrying(attempt, error, delayMs),
    });
    if (result.exitCode === 0) return { outcome: 'ok', exitCode: 0, stdout: result.stdout, stderr: result.stderr };
    report({ type: 'restart-warning', host, command, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr });
    return { outcome: 'warning', exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
}

/** A restart phase's per-host limits, with the line a host stopped by each fails with. */
export function restartLimits(phase: RestartPhase): Pick<RolloutOptions, 'timeout' | 'stall'> {
  return {
    timeout: { ms: phase.timeoutMs, message: `timed out after ${formatSeconds(phase.timeoutMs)}` },
    stall: { ms: phase.stallTimeoutMs, message: `stalled: no output for ${formatSeconds(phase.stallTimeoutMs)}` },
  };
}

/** The staged file a sync phase needs: its absence is a bug in the plan. */
export function requireFile(file: StagedFile | undefined): StagedFile {
  if (!file) throw new BugError('a sync phase needs a staged file');
  return file;
}
