import { createSocket } from 'node:dgram';
import { UserError } from '../errors.js';
import { parseHostPort } from '../lib/host-port.js';
import type { RunReport } from '../model/run.js';
import { OUTCOME_NAMES, OUTCOMES } from './outcome-names.js';

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

/** `host:port` (port 8125 by default); the config schema has already checked the syntax. */
export function parseStatsdAddress(address: string): { host: string; port: number } {
  const parsed = parseHostPort(address.trim());
  if (parsed === undefined) throw new UserError(`statsd_host: expected host or host:port, got ${JSON.stringify(address)}`);
  return { host: parsed.name, port: parsed.port ?? 8125 };
}

/** Send the lines to statsd over UDP, one datagram each; resolves once sent. */
export async function sendStatsd(address: string, lines: readonly string[]): Promise<void> {
  const { host, port } = parseStatsdAddress(address);
  const socket = createSocket('udp4');
  try {
    for (const line of lines) {
      await new Promise<void>((resolve, reject) => socket.send(line, port, host, (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    socket.close();
  }
}
