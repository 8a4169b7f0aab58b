import { findRun, readHistory, type HistoryEntry } from '../state/history-file.js';
import { formatDuration } from '../lib/duration.js';
import { clock } from '../report/format.js';
import { summaryLines, finalLine } from '../report/summary.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';

export interface HistoryOptions extends AdminOptions {
  /** Show this run (an id or a unique prefix); without it, list recent runs. */
  id?: string;
  /** How many recent runs to list. */
  limit?: number;
  /** Where warnings go (a damaged line skipped); process.stderr by default. */
  stderr?: NodeJS.WritableStream;
}

function listLine(entry: HistoryEntry): string {
  const count = (outcome: string) => entry.hosts.filter((host) => host.outcome === outcome).length;
  const started = new Date(entry.startedAt);
  const what = entry.path !== undefined ? `${entry.command} ${entry.path}` : entry.command;
  return `${entry.id}  ${started.toISOString().slice(0, 10)} ${clock(started)}  ${entry.status.padEnd(11)}  ${formatDuration(entry.durationMs)}  ok ${count('ok')} warn ${count('warning')} fail ${count('failed')}  ${entry.user}@${entry.host}  ${what}${entry.message ? `: ${entry.message}` : ''}`;
}

function showLines(entry: HistoryEntry): string[] {
  const lines = [`Run ${entry.id} by ${entry.user}@${entry.host}, started ${entry.startedAt}, exit ${entry.exitCode}`, ...summaryLines(entry)];
  for (const host of entry.hosts.filter((h) => h.outcome !== 'ok')) {
    lines.push(`  ${host.host} ${host.phase}: ${host.outcome}${host.exitCode !== undefined ? ` [${host.exitCode}]` : ''}${host.error ? `: ${host.error}` : ''}`);
  }
  lines.push(finalLine(entry, undefined));
  return lines;
}

/** `deploy history [id]`: recent runs, or one run, as text or JSON. */
export function showHistory(options: HistoryOptions): number {
  const config = loadAdminConfig(options);
  const out = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const entries = readHistory(config.history_file, (text) => stderr.write(`Warning: ${text}\n`));
  if (options.id !== undefined) {
    const entry = findRun(entries, options.id);
    out.write(options.json ? `${JSON.stringify(entry, null, 2)}\n` : `${showLines(entry).join('\n')}\n`);
    return 0;
  }
  const recent = entries.slice(-(options.limit ?? 20)).reverse();
  if (options.json) out.write(`${JSON.stringify(recent, null, 2)}\n`);
  else if (recent.length === 0) out.write(`No runs recorded in ${config.history_file}\n`);
  else out.write(`${recent.map(listLine).join('\n')}\n`);
  return 0;
}
