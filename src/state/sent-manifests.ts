import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isUnder } from '../lib/tree.js';
import { pathFileName, readPathRecord, writePathRecord } from './path-records.js';

/**
 * What the last successful run from this machine sent for a synced path: the sha256 of each
 * regular file, keyed by its path relative to stage_dir. The lint checks only the files whose
 * content differs from it. One manifest per synced path (`.` for sync-world), owner-only:
 *
 *   <history folder>/sent/p-<path, URI-encoded>.json   (h-<sha256 of the path>.json when long)
 *
 * A path's files are taken from the manifests of the path, the paths that enclose it and those
 * inside it, outer first, each newer one replacing what the older said of its folder: after
 * sync-world then `sync-file php/`, php/'s files come from the second. Writing a path removes
 * the manifests inside it, which it replaces.
 */

interface Manifest {
  path: string;
  writtenAt: number;
  files: Record<string, string>;
}

/** `sent/` beside the history file. */
export function sentManifestsFolder(historyFile: string): string {
  return join(dirname(historyFile), 'sent');
}

/** Missing or damaged: no record, so everything is checked. */
function readManifest(file: string): Promise<Manifest | undefined> {
  return readPathRecord<Manifest>(
    file,
    (parsed) => typeof parsed.path === 'string' && typeof parsed.writtenAt === 'number' && typeof parsed.files === 'object' && parsed.files !== null,
  );
}

/** The manifests whose path encloses `path`, is it, or lies inside it (`inside`: strictly inside only). */
async function related(folder: string, path: string, which: 'all' | 'inside'): Promise<Manifest[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const relevant = (other: string): boolean => (which === 'inside' ? other !== path && isUnder(other, path) : isUnder(other, path) || isUnder(path, other));
  const wanted = names.filter((name) => {
    if (name.startsWith('h-') && name.endsWith('.json')) return true;
    if (!name.startsWith('p-') || !name.endsWith('.json')) return false;
    try {
      return relevant(decodeURIComponent(name.slice(2, -'.json'.length)));
    } catch {
      return false;
    }
  });
  const manifests = await Promise.all(wanted.map((name) => readManifest(join(folder, name))));
  return manifests.filter((manifest): manifest is Manifest => manifest !== undefined && relevant(manifest.path));
}

const depth = (path: string): number => (path === '.' ? 0 : path.split('/').length);

/**
 * What was last sent of `path`'s files (stage paths → sha256), or undefined when no run from
 * this machine recorded any path enclosing or inside it.
 */
export async function readSentManifest(folder: string, path: string): Promise<Map<string, string> | undefined> {
  const manifests = (await related(folder, path, 'all')).sort((a, b) => depth(a.path) - depth(b.path));
  if (manifests.length === 0) return undefined;
  const files = new Map<string, string>();
  const applied: Manifest[] = [];
  for (const manifest of manifests) {
    // A leftover older than a manifest enclosing it (a write that died before its cleanup) says nothing.
    if (applied.some((outer) => isUnder(manifest.path, outer.path) && outer.writtenAt > manifest.writtenAt)) continue;
    const replaced = isUnder(manifest.path, path) ? manifest.path : path;
    for (const file of files.keys()) if (isUnder(file, replaced)) files.delete(file);
    for (const [file, hash] of Object.entries(manifest.files)) if (isUnder(file, replaced)) files.set(file, hash);
    applied.push(manifest);
  }
  return files;
}

/** Record what a successful run sent for `path` (stage paths → sha256; those outside `path` are left out). */
export async function writeSentManifest(folder: string, path: string, files: ReadonlyMap<string, string>): Promise<void> {
  const manifest: Manifest = { path, writtenAt: Date.now(), files: {} };
  for (const [file, hash] of files) if (isUnder(file, path)) manifest.files[file] = hash;
  await writePathRecord(folder, path, manifest);
  const inside = await related(folder, path, 'inside');
  await Promise.all(inside.map((older) => rm(join(folder, pathFileName(older.path)), { force: true })));
}
