import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorCode, readTextIfExists } from '../lib/read-file.js';
import { sha256 } from '../lib/sha256.js';
import type { PreviousFile } from '../transport/types.js';
import { writeFileAtomically } from '../lib/atomic-file.js';
import { appendJsonLine, parseJsonLines } from './json-lines.js';

/**
 * What each host had before a run replaced its file, kept on this machine so a bad canary can
 * be rolled back and `deploy rollback` can restore a run's previous version:
 *
 *   <history folder>/versions/objects/<sha256>   each distinct content, once
 *   <history folder>/versions/runs/<run id>.jsonl one line per host the run changed
 *
 * Owner-only (folders 0700, files 0600): the files may hold secrets.
 */

/** Runs whose versions are kept; older runs' records and the contents only they use are pruned. */
export const KEPT_RUNS = 20;

/** A content kept in `objects/`, with the mode the host's file had. */
export interface KeptContent {
  sha256: string;
  mode: number;
}

/** One host in a run's record: what it had at `path` before (null: no file), and what the run put there. */
export interface HostVersion {
  host: string;
  path: string;
  before: KeptContent | null;
  after: KeptContent | null;
}

/** `versions/` beside the history file. */
export function versionsFolder(historyFile: string): string {
  return join(dirname(historyFile), 'versions');
}

const objectPath = (folder: string, hash: string): string => join(folder, 'objects', hash);
const runPath = (folder: string, runId: string): string => join(folder, 'runs', `${runId}.jsonl`);

/**
 * Keep `previous` (a host's file before it is replaced) in the folder's objects, once per
 * distinct content; resolves with what the run's record names it by (null: there was no file).
 */
export async function keepContent(folder: string, previous: PreviousFile | null): Promise<KeptContent | null> {
  if (previous === null) return null;
  const hash = sha256(previous.content);
  const path = objectPath(folder, hash);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size !== previous.content.length) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    await writeFileAtomically(path, previous.content, 0o600, { folderMode: 0o700 });
  }
  return { sha256: hash, mode: previous.mode & 0o7777 };
}

/** Add one host to a run's record (after its file or tree was changed). */
export function recordHostVersion(folder: string, runId: string, entry: HostVersion | TreeEntry): void {
  mkdirSync(join(folder, 'runs'), { recursive: true, mode: 0o700 });
  appendJsonLine(runPath(folder, runId), entry);
}

/** A tree run's line (state/kept-trees): only what pruning needs to know of it here. */
interface TreeEntry {
  host: string;
  path: string;
  tree: { layout: string; changes?: string };
}

/** Every line of a run's record, files and trees, or undefined when it is not (or no longer) kept. */
function readRunLines(folder: string, runId: string, warn: (text: string) => void): Array<HostVersion | TreeEntry> | undefined {
  const path = runPath(folder, runId);
  const text = readTextIfExists(path);
  if (text === undefined) return undefined;
  return parseJsonLines<HostVersion | TreeEntry>(text, (line) => warn(`skipped a damaged line ${line} of ${path}`));
}

/** The hosts a file run changed, or undefined when its record is not (or no longer) kept. */
export function readRunVersions(folder: string, runId: string, warn: (text: string) => void): HostVersion[] | undefined {
  return readRunLines(folder, runId, warn)?.filter((entry): entry is HostVersion => !('tree' in entry));
}

/** The lines of a tree run's record (state/kept-trees reads them as HostTreeVersion). */
export function readTreeLines(folder: string, runId: string, warn: (text: string) => void): TreeEntry[] | undefined {
  return readRunLines(folder, runId, warn)?.filter((entry): entry is TreeEntry => 'tree' in entry);
}

/** A kept content, checked against its name: a damaged copy is an error, never restored. */
export async function readKeptContent(folder: string, kept: KeptContent): Promise<Buffer> {
  let content: Buffer;
  try {
    content = await readFile(objectPath(folder, kept.sha256));
  } catch (error) {
    throw new Error(`kept version ${kept.sha256.slice(0, 12)} is missing from ${folder}: ${errorCode(error)}`);
  }
  if (sha256(content) !== kept.sha256) throw new Error(`kept version ${kept.sha256.slice(0, 12)} in ${folder} is damaged`);
  return content;
}

/**
 * Forget all but the newest `keep` runs (run ids sort by time), then every content that no
 * kept run names. Returns how many runs and contents were removed.
 */
export async function pruneVersions(folder: string, keep = KEPT_RUNS): Promise<{ runs: number; contents: number }> {
  const runs = (await readdir(join(folder, 'runs')).catch(() => [] as string[])).filter((name) => name.endsWith('.jsonl')).sort();
  const old = runs.slice(0, Math.max(0, runs.length - keep));
  await Promise.all(old.map((name) => rm(join(folder, 'runs', name), { force: true })));
  const used = new Set<string>();
  for (const name of runs.slice(old.length)) {
    for (const entry of readRunLines(folder, name.slice(0, -'.jsonl'.length), () => undefined) ?? []) {
      if ('tree' in entry) {
        if (entry.tree.changes !== undefined) used.add(entry.tree.changes);
        continue;
      }
      if (entry.before) used.add(entry.before.sha256);
      if (entry.after) used.add(entry.after.sha256);
    }
  }
  const objects = await readdir(join(folder, 'objects')).catch(() => [] as string[]);
  const unused = objects.filter((name) => !used.has(name));
  await Promise.all(unused.map((name) => rm(join(folder, 'objects', name), { force: true })));
  return { runs: old.length, contents: unused.length };
}
