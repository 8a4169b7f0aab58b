import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../lib/atomic-file.js';
import { sha256 } from '../lib/sha256.js';

/**
 * Small records about a path, one JSON file per path in a folder of their own, owner-only,
 * written atomically: what a synced path was last sent as (sent-manifests.ts), the hosts it went
 * to (tree-hosts.ts), the runs into a deploy_dir since its old backups were pruned
 * (backup-prunes.ts).
 */

const LONGEST_ENCODED = 200;

/** The file a record about a synced path is kept in: `p-<path, URI-encoded>.json`, or `h-<sha256 of the path>.json` when long. */
export function pathFileName(path: string): string {
  const encoded = encodeURIComponent(path);
  return encoded.length <= LONGEST_ENCODED ? `p-${encoded}.json` : `h-${sha256(Buffer.from(path))}.json`;
}

/** The record in `file`, or undefined when it is missing, damaged or not what `valid` expects. */
export async function readPathRecord<T>(file: string, valid: (value: T) => boolean): Promise<T | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as T;
    return parsed !== null && typeof parsed === 'object' && valid(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Write `record` as the record of `path` in `folder` (made owner-only when missing). */
export async function writePathRecord(folder: string, path: string, record: unknown): Promise<void> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  await writeFileAtomically(join(folder, pathFileName(path)), Buffer.from(`${JSON.stringify(record)}\n`), 0o600, { folderMode: 0o700 });
}
