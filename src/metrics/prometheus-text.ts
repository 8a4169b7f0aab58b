import type { RunReport } from '../model/run.js';
import { OUTCOME_NAMES, OUTCOMES } from './outcome-names.js';

const label = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The run as a Prometheus text file (node_exporter's textfile collector format). */
export function prometheusText(report: RunReport): string {
  const command = `command="${label(report.command)}"`;
  const lines = [
    '# HELP deploy_run_duration_seconds Duration of the last deploy run.',
    '# TYPE deploy_run_duration_seconds gauge',
    `deploy_run_duration_seconds{${command}} ${report.durationMs / 1000}`,
    '# HELP deploy_run_timestamp_seconds When the last deploy run started.',
    '# TYPE deploy_run_timestamp_seconds gauge',
    `deploy_run_timestamp_seconds{${command}} ${Date.parse(report.startedAt) / 1000}`,
    '# HELP deploy_run_exit_code Exit status of the last deploy run.',
    '# TYPE deploy_run_exit_code gauge',
    `deploy_run_exit_code{${command},status="${report.status}"} ${report.exitCode}`,
    '# HELP deploy_phase_duration_seconds Duration of each phase of the last run.',
    '# TYPE deploy_phase_duration_seconds gauge',
    ...report.phases.map((phase) => `deploy_phase_duration_seconds{${command},phase="${label(phase.name)}"} ${phase.durationMs / 1000}`),
    '# HELP deploy_phase_hosts Hosts (or checks) of each phase of the last run, by outcome.',
    '# TYPE deploy_phase_hosts gauge',
    ...report.phases.flatMap((phase) =>
      OUTCOMES.map((outcome) => `deploy_phase_hosts{${command},phase="${label(phase.name)}",outcome="${OUTCOME_NAMES[outcome]}"} ${phase[outcome]}`),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
