import type { RunEvent } from '../../model/run.js';
import { createHumanReporter } from '../../report/human-reporter.js';
import { createRedactor, redactEvent, type Redactor } from '../../report/redact.js';
import { terminalMode } from '../../report/terminal.js';
import { Journal, journalPath, type ResumePoint } from '../../state/journal.js';
import { statusFilePath } from '../../state/status-file.js';
import type { PreparedRun } from '../prepare/prepare-run.js';
import { createStatusPublisher } from './status-publisher.js';

/** Where a run's events go: the screen (redacted), the live status for `deploy status`, the journal. */
export interface RunOutput {
  report: (event: RunEvent) => void;
  warn: (text: string) => void;
  journal: Journal;
  /** With redact_output: what the screen and --json show. */
  screenRedactor?: Redactor;
  closeScreen(): void;
  closeLive(): Promise<void>;
}

export interface RunStreams {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where the human report goes: stderr with --json, else stdout. */
  human: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function createRunOutput(prepared: PreparedRun, streams: RunStreams, resume: ResumePoint | undefined): Promise<RunOutput> {
  const { config } = prepared.loaded;
  const mode = terminalMode(streams.human, streams.env);
  // The spinner's modules are loaded only for a terminal: CI and --json runs start without them.
  const ora = mode.interactive ? (await import('ora')).default : undefined;
  const reporter = createHumanReporter({ stream: streams.human, ...mode, ...(ora ? { ora } : {}), statusEveryMs: 5000 });
  const screenRedactor = config.redact_output ? createRedactor(config.redact_patterns) : undefined;
  // A journal line that cannot be written is one warning (on the screen, once) and the run goes on.
  const journal = new Journal(journalPath(config.lock_file, prepared.key), (text) => warn(text));
  // `deploy status` reads what this run is doing from the live state (src/run/live/status-publisher.ts).
  const live = createStatusPublisher({ path: statusFilePath(config.lock_file), plan: prepared.plan, warn: (text) => warn(text) });
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
  return { report, warn, journal, ...(screenRedactor ? { screenRedactor } : {}), closeScreen: () => reporter.close(), closeLive: () => live.close() };
}
