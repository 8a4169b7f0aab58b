import type { RunReport } from '../model/run.js';
import { formatDuration, formatSeconds } from '../lib/duration.js';
import { plural, visible } from '../lib/text.js';
import { formatBytes } from '../lib/bytes.js';
import { median } from './format.js';

/** The end-of-run summary: one row per phase with duration, host counts, median and slowest host. */
export function summaryLines(report: RunReport): string[] {
  // A tree run also shows what each sync phase sent.
  const sent = report.tree !== undefined;
  const header = ['phase', 'duration', 'ok', 'warn', 'fail', 'skip', 'not-started', ...(sent ? ['sent'] : []), 'median', 'slowest'];
  const rows = report.phases.map((phase) => {
    const timed = report.hosts.filter((host) => host.phase === phase.name && host.durationMs !== undefined);
    const slowest = timed.reduce<(typeof timed)[number] | undefined>(
      (worst, host) => (!worst || (host.durationMs ?? 0) > (worst.durationMs ?? 0) ? host : worst),
      undefined,
    );
    const mid = median(timed.map((host) => host.durationMs ?? 0));
    return [
      phase.name,
      formatDuration(phase.durationMs),
      String(phase.ok),
      String(phase.warning),
      String(phase.failed),
      String(phase.skipped),
      String(phase.notStarted),
      ...(sent ? [bytesSentIn(report, phase.name)] : []),
      mid === undefined ? '-' : formatSeconds(mid),
      slowest ? `${formatSeconds(slowest.durationMs ?? 0)} ${slowest.host}` : '-',
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return ['Summary:', `  ${line(header)}`, ...rows.map((row) => `  ${line(row)}`)];
}

/** The bytes a phase's hosts were sent, or `-` for a phase that sends none. */
function bytesSentIn(report: RunReport, phase: string): string {
  const hosts = report.hosts.filter((host) => host.phase === phase && host.bytesSent !== undefined);
  return hosts.length === 0 ? '-' : formatBytes(hosts.reduce((sum, host) => sum + (host.bytesSent ?? 0), 0));
}

/**
 * Hosts that warned, one line each, for just before the last line: their "left depooled,
 * please check" output has scrolled away by the end of a long run.
 */
export function warningRecap(report: RunReport): string[] {
  const warned = report.hosts.filter((host) => host.outcome === 'warning');
  if (warned.length === 0) return [];
  return [
    `${warned.length === 1 ? '1 host' : `${warned.length} hosts`} warned; check ${warned.length === 1 ? 'it' : 'them'}:`,
    ...warned.map((host) => `  ${host.host} (${host.phase}, returned [${host.exitCode ?? '?'}])${lastLine(host.stdout, host.stderr)}`),
  ];
}

/** The last non-blank line of a host's output, as `: <line>`, control characters visible. */
function lastLine(stdout = '', stderr = ''): string {
  const line = `${stdout}\n${stderr}`
    .split('\n')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .at(-1);
  return line === undefined ? '' : `: ${visible(line)}`;
}

/** The run's first line: what starts, on how many hosts, how. */
export function startLine(event: { command: string; path?: string; message: string; hosts: number; canaries: number; transport: string }): string {
  return `Starting ${event.command}${event.path !== undefined ? ` ${event.path}` : ''}: ${event.message} (${plural(event.hosts, 'host')}, ${plural(event.canaries, 'canary', 'canaries')}, transport ${event.transport})`;
}

/** The run's last line: what was done, or why it did not succeed. */
export function finalLine(report: RunReport, reason: string | undefined): string {
  const duration = `(duration: ${formatDuration(report.durationMs)})`;
  const what = report.path !== undefined ? `${report.command} ${report.path}` : report.command;
  const why = reason ? `: ${reason}` : '';
  switch (report.status) {
    case 'success':
    case 'warnings':
      if (report.command === 'sync-file') return `Synchronized ${report.path}: ${report.message} ${duration}`;
      if (report.command === 'rollback') return `Rolled back ${report.path ?? 'sync-world'}: ${report.message} ${duration}`;
      return `Finished ${report.command}: ${report.message} ${duration}`;
    case 'failed':
      // A lint failure names the file and the checker's message: `Failed lint: <file>: <message>`.
      if (reason?.startsWith('lint: ')) return `Failed ${reason} ${duration}`;
      return `Failed ${what}${why} ${duration}`;
    case 'aborted':
      return `Aborted ${what}${why} ${duration}`;
    case 'rolled-back':
      return `Rolled back ${report.path ?? 'sync-world'} on ${plural(rolledBackHosts(report), 'host')}${why} ${duration}`;
    case 'interrupted':
      return `Interrupted ${what}${why} ${duration}`;
  }
}

/** Hosts whose old file a rollback put back. */
function rolledBackHosts(report: RunReport): number {
  return report.hosts.filter((host) => host.phase === 'rollback-sync' && host.outcome === 'ok').length;
}
