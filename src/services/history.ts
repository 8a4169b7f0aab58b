import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderTimeline } from '../report/timeline/index.js';
import { terminalMode } from '../report/terminal.js';
import { UserError } from '../errors.js';
import { errorCode } from '../lib/read-file.js';
import { findRun, readHistory, type HistoryEntry } from '../state/history-file.js';
import { formatDuration } from '../lib/duration.js';
import { clock } from '../report/format.js';
import { summaryLines, finalLine } from '../report/summary.js';
import { loadAdminConfig, type AdminOptions } from './admin-options.js';
import { pauseSaid } from '../report/pause-lines.js';

export interface HistoryOptions extends AdminOptions {
  /** Show this run (an id or a unique prefix); without it, list recent runs. */
  id?: string;
  /** How many recent runs to list. */
  limit?: number;
  /** Draw the run on a time axis (terminal). */
  timeline?: boolean;
  /** Write the timeline as SVG to this file. */
  svg?: string;
  /** Where warnings go (a damaged line skipped); process.stderr by default. */
  stderr?: NodeJS.WritableStream;
}

function listLine(entry: HistoryEntry): string {
  const count = (outcome: string) => entry.hosts.filter((host) => host.outcome === outcome).length;
  const started = new Date(entry.startedAt);
  const what = entry.path !== undefined ? `${entry.command} ${entry.path}` : entry.command;
  const why = entry.reason ? ` (${entry.reason})` : '';
  const paused = (entry.pauses ?? []).map((pause) => `; ${pauseSaid(pause)}`).join('');
  const when = `${started.toISOString().slice(0, 10)} ${clock(started)}`;
  const hosts = `ok ${count('ok')} warn ${count('warning')} fail ${count('failed')}`;
  const message = entry.message ? `: ${entry.message}` : '';
  return `${entry.id}  ${when}  ${entry.status.padEnd(11)}  ${formatDuration(entry.durationMs)}  ${hosts}  ${entry.user}@${entry.host}  ${what}${message}${why}${paused}`;
}

function showLines(entry: HistoryEntry): string[] {
  const lines = [`Run ${entry.id} by ${entry.user}@${entry.host}, started ${entry.startedAt}, exit ${entry.exitCode}`, ...summaryLines(entry)];
  lines.push(...(entry.pauses ?? []).map((pause) => `  ${pauseSaid(pause)}`));
  for (const host of entry.hosts.filter((h) => h.outcome !== 'ok')) {
    lines.push(
      `  ${host.host} ${host.phase}: ${host.outcome}${host.exitCode !== undefined ? ` [${host.exitCode}]` : ''}${host.error ? `: ${host.error}` : ''}`,
    );
  }
  lines.push(finalLine(entry, entry.reason));
  return lines;
}

/** `deploy history [id]`: recent runs, or one run, as text or JSON. */
export function showHistory(options: HistoryOptions): number {
  const config = loadAdminConfig(options);
  const out = options.stdout ?? process.stdout;
  if ((options.timeline || options.svg !== undefined) && options.id === undefined) {
    throw new UserError('--timeline and --svg draw one run: give its id', '`deploy history` lists the recent runs');
  }
  const stderr = options.stderr ?? process.stderr;
  const entries = readHistory(config.history_file, (text) => stderr.write(`Warning: ${text}\n`));
  if (options.id !== undefined) {
    const entry = findRun(entries, options.id);
    if (options.svg !== undefined) {
      const path = resolve(options.cwd ?? process.cwd(), options.svg);
      try {
        writeFileSync(path, renderTimeline(entry, { format: 'svg' }));
      } catch (error) {
        throw new UserError(`--svg: cannot write ${path}: ${errorCode(error)}`);
      }
      out.write(`Wrote the timeline of run ${entry.id} to ${options.svg}\n`);
      return 0;
    }
    if (options.timeline) {
      const stream = out as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
      out.write(renderTimeline(entry, { format: 'text', width: stream.columns ?? 80, color: terminalMode(stream, process.env).color }));
      return 0;
    }
    out.write(options.json ? `${JSON.stringify(entry, null, 2)}\n` : `${showLines(entry).join('\n')}\n`);
    return 0;
  }
  const recent = entries.slice(-(options.limit ?? 20)).reverse();
  if (options.json) out.write(`${JSON.stringify(recent, null, 2)}\n`);
  else if (recent.length === 0) out.write(`No runs recorded in ${config.history_file}\n`);
  else out.write(`${recent.map(listLine).join('\n')}\n`);
  return 0;
}
