import { createSocket } from 'node:dgram';
import { UserError } from '../errors.js';
import type { RunReport } from '../report/events.js';

const OUTCOMES = ['ok', 'warning', 'failed', 'skipped', 'notStarted'] as const;
const OUTCOME_NAMES: Record<(typeof OUTCOMES)[number], string> = { ok: 'ok', warning: 'warning', failed: 'failed', skipped: 'skipped', notStarted: 'not_started' };

/**
 * statsd lines for a run, with the names Scap's users know: `deploy.<command>` timing for
 * the run, `deploy.<command>.<phase>` per phase, and counters per host outcome.
 */
export function statsdLines(report: RunReport): string[] {
  const base = `deploy.${report.command}`;
  const lines = [`${base}:${report.durationMs}|ms`, `${base}.${report.status}:1|c`];
  for (const phase of report.phases) {
    lines.push(`${base}.${phase.name}:${phase.durationMs}|ms`);
    for (const outcome of OUTCOMES) {
      if (phase[outcome] > 0) lines.push(`${base}.${phase.name}.${OUTCOME_NAMES[outcome]}:${phase[outcome]}|c`);
    }
  }
  return lines;
}

/** `host:port` (port 8125 by default). */
export function parseStatsdAddress(address: string): { host: string; port: number } {
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(address.trim());
  if (!match) throw new UserError(`statsd_host: expected host or host:port, got ${JSON.stringify(address)}`);
  return { host: match[1] as string, port: match[2] ? Number(match[2]) : 8125 };
}

/** Send the lines to statsd over UDP, one datagram each; resolves once sent. */
export async function sendStatsd(address: string, lines: readonly string[]): Promise<void> {
  const { host, port } = parseStatsdAddress(address);
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    for (const line of lines) {
      await new Promise<void>((resolve, reject) => socket.send(line, port, host, (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    socket.close();
  }
}

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
