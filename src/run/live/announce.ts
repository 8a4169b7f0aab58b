import { formatSeconds } from '../../lib/duration.js';
import { oneLine, visible } from '../../lib/text.js';
import { runLocalProcess } from '../../transport/local-process.js';

/** The most an announcement may take: it must never hold a deploy up. */
export const ANNOUNCE_TIMEOUT_MS = 10_000;

export interface Announcement {
  event: 'start' | 'end';
  command: string;
  message: string;
  path?: string;
  /** The run's first human line (start) or its last (end). */
  line: string;
  status?: string;
  exitCode?: number;
}

/** The environment announce_command sees (SPEC.md, "Seeing a run"). */
export function announceEnv(announcement: Announcement): Record<string, string> {
  return {
    DEPLOY_EVENT: announcement.event,
    DEPLOY_COMMAND: announcement.command,
    DEPLOY_MESSAGE: announcement.message,
    DEPLOY_PATH: announcement.path ?? '',
    DEPLOY_LINE: announcement.line,
    ...(announcement.status !== undefined ? { DEPLOY_STATUS: announcement.status } : {}),
    ...(announcement.exitCode !== undefined ? { DEPLOY_EXIT_CODE: String(announcement.exitCode) } : {}),
  };
}

/**
 * Run announce_command through the shell, in its own process group, for at most ten seconds.
 * Whatever happens to it is at most one warning: it never changes the run's outcome.
 */
export async function announce(
  shellCommand: string,
  announcement: Announcement,
  cwd: string,
  warn: (text: string) => void,
  timeoutMs = ANNOUNCE_TIMEOUT_MS,
): Promise<void> {
  if (shellCommand.trim() === '') return;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const result = await runLocalProcess(shellCommand, [], { cwd, shell: true, env: announceEnv(announcement), signal: timeout });
    if (result.exitCode !== 0) {
      const output = oneLine(visible(`${result.stdout} ${result.stderr}`));
      warn(`announce_command (${announcement.event}) returned [${result.exitCode}]${output ? `: ${output}` : ''}`);
    }
  } catch (error) {
    const what = timeout.aborted ? `timed out after ${formatSeconds(timeoutMs)} and was stopped` : `could not run: ${(error as Error).message}`;
    warn(`announce_command (${announcement.event}) ${what}`);
  }
}
