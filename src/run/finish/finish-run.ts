import type { Config } from '../../config/schema.js';
import { redactReport } from '../../report/redact.js';
import { finalLine } from '../../report/summary.js';
import { announce } from '../live/announce.js';
import type { RunOutput } from '../live/run-output.js';
import type { ExecutionResult } from '../phases/phase-run.js';
import type { StartedRun } from '../start/start-run.js';
import { failureReason } from './failure-reason.js';
import { recordRun } from './record-run.js';
import { buildRunReport } from './run-report.js';

export interface FinishInput {
  config: Config;
  /** Where announce_command runs. */
  checksDir: string;
  message: string;
  json: boolean;
  stdout: NodeJS.WritableStream;
  interrupted: boolean;
}

/**
 * Finish the run: its report and status, the journal's end, the run-end event, the history and
 * metrics, the end announcement, the report on stdout with --json. Returns the exit status.
 */
export async function finishRun(run: StartedRun, execution: ExecutionResult, output: RunOutput, input: FinishInput): Promise<number> {
  const { config } = input;
  const { report, warn } = output;
  const runReport = buildRunReport({
    command: run.announced.command,
    ...(run.path !== undefined ? { path: run.path } : {}),
    ...(run.tree ? { tree: run.tree } : {}),
    message: input.message,
    startedAt: run.startedAt,
    durationMs: performance.now() - run.started,
    execution,
    interrupted: input.interrupted,
  });
  output.journal.end(runReport.status);
  const reason = failureReason(execution, runReport);
  report({ type: 'run-end', report: runReport, ...(reason ? { reason } : {}) });
  await recordRun({ id: run.id, ...(reason ? { reason } : {}) }, runReport, config, warn);
  const end = { event: 'end' as const, ...run.announced, line: finalLine(runReport, reason), status: runReport.status, exitCode: runReport.exitCode };
  await announce(config.announce_command, end, input.checksDir, warn);
  const shown = output.screenRedactor ? redactReport(runReport, output.screenRedactor) : runReport;
  if (input.json) input.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  return runReport.exitCode;
}
