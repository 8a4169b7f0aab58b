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

/** A change set as it is kept, and its name. */
export function changeSetObject(changes: ChangeSet): { content: Buffer; hash: string } {
  const content = Buffer.from(JSON.stringify(changes));
  return { content, hash: sha256(content) };
}

/** Keep a change set (from changeSetObject) once per distinct content; resolves with its name. */
export async function keepChangeSet(folder: string, { content, hash }: { content: Buffer; hash: string }): Promise<string> {
  const path = objectPath(folder, hash);
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
