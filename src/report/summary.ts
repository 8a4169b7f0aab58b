import type { RunReport } from './events.js';
import { formatDuration, formatSeconds } from '../lib/duration.js';
import { median } from './format.js';

/** The end-of-run summary: one row per phase with duration, host counts, median and slowest host. */
export function summaryLines(report: RunReport): string[] {
  const header = ['phase', 'duration', 'ok', 'warn', 'fail', 'skip', 'not-started', 'median', 'slowest'];
  const rows = report.phases.map((phase) => {
    const timed = report.hosts.filter((host) => host.phase === phase.name && host.durationMs !== undefined);
    const slowest = timed.reduce<(typeof timed)[number] | undefined>((worst, host) => (!worst || (host.durationMs ?? 0) > (worst.durationMs ?? 0) ? host : worst), undefined);
    const mid = median(timed.map((host) => host.durationMs ?? 0));
    return [
      phase.name,
      formatDuration(phase.durationMs),
      String(phase.ok),
      String(phase.warning),
      String(phase.failed),
      String(phase.skipped),
      String(phase.notStarted),
      mid === undefined ? '-' : formatSeconds(mid),
      slowest ? `${formatSeconds(slowest.durationMs ?? 0)} ${slowest.host}` : '-',
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  return ['Summary:', `  ${line(header)}`, ...rows.map((row) => `  ${line(row)}`)];
}

/** The run's last line: what was done, or why it did not succeed. */
export function finalLine(report: RunReport, reason: string | undefined): string {
  const duration = `(duration: ${formatDuration(report.durationMs)})`;
  const what = report.path !== undefined ? `${report.command} ${report.path}` : report.command;
  const why = reason ? `: ${reason}` : '';
  switch (report.status) {
    case 'success':
    case 'warnings':
      return report.command === 'sync-file'
        ? `Synchronized ${report.path}: ${report.message} ${duration}`
        : `Finished ${report.command}: ${report.message} ${duration}`;
    case 'failed':
      return `Failed ${what}${why} ${duration}`;
    case 'aborted':
      return `Aborted ${what}${why} ${duration}`;
    case 'interrupted':
      return `Interrupted ${what}${why} ${duration}`;
  }
}
