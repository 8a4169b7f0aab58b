import { hostname, userInfo } from 'node:os';
import type { Config } from '../../config/schema.js';
import { durationsPath, rememberDurations } from '../../state/durations.js';
import { appendHistory } from '../../state/history-file.js';
import type { RunReport } from '../../model/run.js';
import { prometheusText } from '../../metrics/prometheus-text.js';
import { sendStatsd, statsdLines } from '../../metrics/statsd.js';
import { createRedactor, redactReport } from '../../report/redact.js';
import { writeFileAtomically } from '../../lib/atomic-file.js';
import { pruneVersions, versionsFolder } from '../../state/kept-versions.js';

/**
 * After a run: append it to the history (output redacted), forget kept versions older than the
 * last KEPT_RUNS runs, send statsd metrics, write the
 * Prometheus file. None of these may change the run's outcome: a failure is one warning.
 */
export async function recordRun(run: { id: string; reason?: string }, report: RunReport, config: Config, warn: (text: string) => void): Promise<void> {
  const redacted = redactReport(report, createRedactor(config.redact_patterns));
  try {
    appendHistory(config.history_file, { ...run, user: userInfo().username, host: hostname(), ...redacted });
  } catch (error) {
    warn(`could not append to history_file ${config.history_file}: ${(error as Error).message}`);
  }
  const versions = versionsFolder(config.history_file);
  await pruneVersions(versions).catch((error: Error) => warn(`could not prune the kept versions in ${versions}: ${error.message}`));
  const durations = durationsPath(config.history_file);
  await rememberDurations(durations, report).catch((error: Error) => warn(`could not record the restart durations in ${durations}: ${error.message}`));
  if (config.statsd_host !== '') {
    await sendStatsd(config.statsd_host, statsdLines(report)).catch((error: Error) =>
      warn(`could not send metrics to statsd ${config.statsd_host}: ${error.message}`),
    );
  }
  if (config.metrics_file !== '') {
    // Atomically, so a collector never reads half of it. World-readable on purpose, unlike
    // the history: node_exporter's textfile collector (another user) reads it, and it holds
    // only counts and durations, no output.
    await writeFileAtomically(config.metrics_file, Buffer.from(prometheusText(report)), 0o644).catch((error: Error) =>
      warn(`could not write metrics_file ${config.metrics_file}: ${error.message}`),
    );
  }
}
