import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { errorCode, readTextIfExists } from '../lib/read-file.js';
import { appendJsonLine, parseJsonLines, writeFirstJsonLine } from './json-lines.js';
import type { RunStatus } from '../model/run.js';
import type { HostResult } from '../rollout/types.js';

type JournalLine =
  | { type: 'run'; id: string; command: string; path?: string; contentSha256?: string; startedAt: string }
  | { type: 'host'; phase: string; host: string; outcome: string }
  | { type: 'end'; status: RunStatus };

/** What a resumed run skips: per phase, the hosts already ok or warning. */
export interface ResumePoint {
  id: string;
  done: Map<string, Set<string>>;
}

export interface RunKey {
  command: string;
  path?: string;
  /** sha256 of the staged file, so a resume never mixes two versions of it. */
  contentSha256?: string;
}

/** The journal of the last run of this command and arguments, beside the lock file. */
export function journalPath(lockFile: string, key: RunKey): string {
  const name = `${key.command}${key.path !== undefined ? `-${createHash('sha1').update(key.path).digest('hex').slice(0, 12)}` : ''}.jsonl`;
  return join(dirname(lockFile), `${basename(lockFile)}.journal`, name);
}

/**
 * The per-host journal of a run: a header, one line per host as it finishes, and the
 * status at the end. Written as the run goes, so a run cut short still has it. Owner-only
 * (file 0600, folder 0700 when we create it).
 *
 * A folder that cannot be used at the start is a usage error (nothing was touched yet). A
 * line that cannot be written later (a full disk) is one warning through `warn`, the first
 * time only, and the run goes on: the journal only lets a later `--resume` skip hosts.
 */
export class Journal {
  private warned = false;

  constructor(
    readonly path: string,
    private readonly warn: (text: string) => void,
  ) {}

  start(id: string, key: RunKey, startedAt: Date): void {
    const folder = dirname(this.path);
    const header: JournalLine = {
      type: 'run',
      id,
      command: key.command,
      ...(key.path !== undefined ? { path: key.path } : {}),
      ...(key.contentSha256 ? { contentSha256: key.contentSha256 } : {}),
      startedAt: startedAt.toISOString(),
    };
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      writeFirstJsonLine(this.path, header);
    } catch (error) {
      throw new UserError(`cannot write the resume journal in ${folder}: ${errorCode(error)}`, 'it is kept beside lock_file, in <lock_file>.journal/');
    }
  }

  host(result: Pick<HostResult, 'phase' | 'host' | 'outcome'>): void {
    this.append({ type: 'host', phase: result.phase, host: result.host, outcome: result.outcome });
  }

  end(status: RunStatus): void {
    this.append({ type: 'end', status });
  }

  private append(line: JournalLine): void {
    try {
      appendJsonLine(this.path, line);
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.warn(`could not write the resume journal ${this.path}: ${(error as Error).message}; the run goes on, a later --resume may redo hosts`);
    }
  }
}

/**
 * The point to resume from: the last run of the same command and arguments, which must have
 * been interrupted or aborted (or cut off before it could say). Anything else is a usage error.
 */
export function loadResumePoint(path: string, key: RunKey, warn: (text: string) => void): ResumePoint {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    throw new UserError(`--resume: cannot read the journal ${path}: ${errorCode(error)}`);
  }
  if (text === undefined) {
    throw new UserError(
      `--resume: nothing to resume: no earlier run of ${key.command}${key.path !== undefined ? ` ${key.path}` : ''} is recorded`,
      'run it without --resume',
    );
  }
  const lines = parseJsonLines<JournalLine>(text, (lineNumber) => warn(`--resume: skipped a damaged line ${lineNumber} of ${path}`));
  const header = lines[0];
  if (header?.type !== 'run') throw new UserError(`--resume: the journal ${path} is unreadable`, 'run without --resume');
  const end = lines.find((line): line is Extract<JournalLine, { type: 'end' }> => line.type === 'end');
  if (end && end.status !== 'interrupted' && end.status !== 'aborted') {
    throw new UserError(`--resume: nothing to resume: the last ${key.command} run (${header.id}) ended ${end.status}`, 'run it without --resume');
  }
  if (key.contentSha256 !== undefined && header.contentSha256 !== key.contentSha256) {
    throw new UserError(`--resume: ${key.path} changed since run ${header.id}: resuming would mix two versions of it`, 'run it without --resume');
  }
  const done = new Map<string, Set<string>>();
  for (const line of lines) {
    if (line.type !== 'host' || (line.outcome !== 'ok' && line.outcome !== 'warning')) continue;
    const hosts = done.get(line.phase) ?? new Set<string>();
    hosts.add(line.host);
    done.set(line.phase, hosts);
  }
  return { id: header.id, done };
}
