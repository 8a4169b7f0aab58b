import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { errorCode, readTextIfExists } from '../lib/read-file.js';
import type { RunReport } from '../model/run.js';
import { appendJsonLine, parseJsonLines } from './json-lines.js';

/** One line of the history file: a run's report, with who ran it. */
export interface HistoryEntry extends RunReport {
  id: string;
  user: string;
  host: string;
  /** Why the run did not succeed, as its last line said. */
  reason?: string;
}

/** A short id, sortable by time: `20261123-113300-4f2a`. */
export function runId(startedAt: Date, random: () => number = Math.random): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}

/**
 * Append one run to the history file (JSON lines), creating its folder. Owner-only (file
 * 0600, folder 0700 when we create it): it holds the restarts' output.
 */
export function appendHistory(path: string, entry: HistoryEntry): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendJsonLine(path, entry);
}

/** Every run in the history file, oldest first; a damaged line is skipped and told to `warn`. */
export function readHistory(path: string, warn: (text: string) => void): HistoryEntry[] {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    throw new UserError(`history_file: cannot read ${path}: ${errorCode(error)}`);
  }
  return text === undefined ? [] : parseJsonLines<HistoryEntry>(text, (lineNumber) => warn(`skipped a damaged line ${lineNumber} of ${path}`));
}

/** The run with this id (or a unique prefix of one); `culprit` names where the id came from in an error. */
export function findRun(entries: readonly HistoryEntry[], id: string, culprit = 'history'): HistoryEntry {
  const matches = entries.filter((entry) => entry.id.startsWith(id));
  if (matches.length === 1) return matches[0] as HistoryEntry;
  if (matches.length === 0) throw new UserError(`${culprit}: no run with id ${id}`, '`deploy history` lists the recent runs');
  throw new UserError(`${culprit}: ${matches.length} runs start with ${id}`, 'give more of the id');
}
