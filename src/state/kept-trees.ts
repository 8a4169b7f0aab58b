import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../lib/atomic-file.js';
import { sha256 } from '../lib/sha256.js';
import { readTreeLines, recordHostVersion } from './kept-versions.js';

/**
 * What a tree run changed on each host, kept beside the file versions (state/kept-versions)
 * so that a canary rollback or `deploy rollback` can undo it:
 *
 * - in-place: the host keeps what the run replaced or removed in its own backup folder
 *   (rsync's --backup-dir, a rename on the host); this machine keeps the change set: the
 *   files the run wrote with their sha256 (or link target), those it added and removed.
 *   Hosts with the same change set share one object (a first sync to 1,000 hosts is one).
 * - releases: the release the run replaced and the one it built; undoing is a switch back.
 */

/** One path the run wrote: its sha256, or for a symbolic link `->` and its target. */
export type WrittenPath = [path: string, content: string];

/** What a tree run did to one host's folder, relative to that folder. */
export interface ChangeSet {
  wrote: WrittenPath[];
  added: string[];
  removed: string[];
  /** Folders the run created (removed again, when empty, by a restore). */
  folders?: string[];
}

export interface InPlaceChange {
  layout: 'in-place';
  /** The host's synced folder (deploy_dir/<path>). */
  destination: string;
  /** Where the host keeps what the run replaced or removed. */
  backupDir: string;
  /** The sha256 of the change set, kept in objects/. */
  changes: string;
}

export interface ReleaseChange {
  layout: 'releases';
  deployDir: string;
  /** The release `current` pointed to before (null: none). */
  from: string | null;
  to: string;
}

/** One host in a tree run's record. */
export interface HostTreeVersion {
  host: string;
  /** The synced path, relative to stage_dir (`.` for the whole stage). */
  path: string;
  tree: InPlaceChange | ReleaseChange;
}

const objectPath = (folder: string, hash: string): string => join(folder, 'objects', hash);

/**
 * A change set as a run holds it for one host: the paths written (the host's own list) and a
 * lookup of what each holds (shared by every host of the run), not a pair per path. A first
 * sync of 5,000 files to 1,000 hosts makes 1,000 of these, of which one is kept: building each
 * one's pairs (over 300 kB a host) is what made the deploy process's memory peak (figure M in
 * BENCHMARKS.md).
 */
export interface ChangeSetDraft {
  /** The paths written, in the order `wrote` lists them. */
  wrote: readonly string[];
  /** What a written path holds (see WrittenPath). */
  contentOf: (path: string) => string;
  added: readonly string[];
  removed: readonly string[];
  folders?: readonly string[];
}

/** The change set a draft stands for (what keepChangeSet writes). */
export function changeSetOf(draft: ChangeSetDraft): ChangeSet {
  return {
    wrote: draft.wrote.map((path) => [path, draft.contentOf(path)]),
    added: [...draft.added],
    removed: [...draft.removed],
    ...(draft.folders !== undefined ? { folders: [...draft.folders] } : {}),
  };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((item, index) => item === b[index]));

/**
 * Whether two drafts of one run (one `contentOf`: a path holds the same whatever the host) stand
 * for the same change set: the same lists, item by item. Far cheaper than hashing each.
 */
export function sameDraft(a: ChangeSetDraft, b: ChangeSetDraft): boolean {
  return sameList(a.wrote, b.wrote) && sameList(a.added, b.added) && sameList(a.removed, b.removed) && sameList(a.folders, b.folders);
}

/**
 * A change set's name: the sha256 of its JSON (what keepChangeSet writes), fed to the hash in
 * slices of about 64 kB, from the draft: neither the JSON nor the pairs are built.
 */
export function changeSetHash(draft: ChangeSetDraft): string {
  const hash = createHash('sha256');
  let slice = '';
  const add = (piece: string): void => {
    slice += piece;
    if (slice.length >= 65_536) {
      hash.update(slice);
      slice = '';
    }
  };
  const list = (key: string, items: readonly string[], first: boolean, item = (text: string): string => JSON.stringify(text)): void => {
    add(`${first ? '{' : ','}${JSON.stringify(key)}:[`);
    for (let index = 0; index < items.length; index++) add(`${index === 0 ? '' : ','}${item(items[index] as string)}`);
    add(']');
  };
  // JSON.stringify of a pair [path, content] is `[` path `,` content `]`, each a JSON string.
  list('wrote', draft.wrote, true, (path) => `[${JSON.stringify(path)},${JSON.stringify(draft.contentOf(path))}]`);
  list('added', draft.added, false);
  list('removed', draft.removed, false);
  if (draft.folders !== undefined) list('folders', draft.folders, false);
  add('}');
  hash.update(slice);
  return hash.digest('hex');
}

/**
 * Keep a change set once per distinct content (named by changeSetHash; callers call it once per
 * name, and only then are its pairs and JSON built); resolves with its name.
 */
export async function keepChangeSet(folder: string, draft: ChangeSetDraft, hash = changeSetHash(draft)): Promise<string> {
  const path = objectPath(folder, hash);
  const content = Buffer.from(JSON.stringify(changeSetOf(draft)));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size !== content.length) {
    mkdirSync(join(folder, 'objects'), { recursive: true, mode: 0o700 });
    await writeFileAtomically(path, content, 0o600, { folderMode: 0o700 });
  }
  return hash;
}

/** A kept change set, checked against its name. */
export async function readChangeSet(folder: string, hash: string): Promise<ChangeSet> {
  let content: Buffer;
  try {
    content = await readFile(objectPath(folder, hash));
  } catch {
    throw new Error(`the change set ${hash.slice(0, 12)} is missing from ${folder}`);
  }
  if (sha256(content) !== hash) throw new Error(`the change set ${hash.slice(0, 12)} in ${folder} is damaged`);
  return JSON.parse(content.toString('utf8')) as ChangeSet;
}

/** Add one host to a tree run's record. */
export function recordTreeVersion(folder: string, runId: string, entry: HostTreeVersion): void {
  recordHostVersion(folder, runId, entry);
}

/** The hosts a tree run changed, or undefined when its record is not (or no longer) kept. */
export function readTreeVersions(folder: string, runId: string, warn: (text: string) => void): HostTreeVersion[] | undefined {
  return readTreeLines(folder, runId, warn) as HostTreeVersion[] | undefined;
}
