import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import type { StagedTree } from '../../lib/tree.js';
import { buildRsyncListing, LISTING_ENV, parseRsyncListing, type RsyncListing } from '../../transport/rsync-listing.js';
import { runLocalProcess } from '../../transport/local-process.js';
import { rsyncErrorLine } from '../../transport/rsync-tree.js';
import { resolveStagedPath } from './staged-path.js';
import { readEntries, refuseSpecial } from './tree-entries.js';

export type { StagedTree, TreeEntry } from '../../lib/tree.js';

const never = new AbortController().signal;

/**
 * rsync's own listing of what a sync of `source` with `exclude` sends (run into an empty temp
 * folder, `-n`). Its item lines go to a file beside that folder, not through a pipe: rsync lists
 * at its own pace while this process loads ssh2 and its first hosts connect (figure T).
 */
async function listWithRsync(source: string, isFolder: boolean, exclude: readonly string[], shown: string, signal: AbortSignal): Promise<RsyncListing> {
  const folder = await mkdtemp(join(tmpdir(), 'deploy-listing-'));
  try {
    const empty = join(folder, 'empty');
    const listed = join(folder, 'listing');
    await mkdir(empty);
    const [file = 'rsync', ...args] = buildRsyncListing(source, isFolder, exclude, empty);
    const run = await runLocalProcess(file, args, { cwd: empty, env: LISTING_ENV, signal, stdoutFile: listed, killLeftovers: true });
    // 23: some files could not be read (a permission, a file gone): named in stderr, refused below.
    if (run.exitCode !== 0) throw new UserError(`${shown}: rsync cannot list it: ${rsyncErrorLine(run.stderr) ?? `exit status ${run.exitCode}`}`);
    return parseRsyncListing(await readFile(listed, 'utf8'), run.stderr);
  } finally {
    // At once: an empty folder and a file, not a walk whose every step waits for a busy event loop.
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The tree `sync-file <path>` (or, with `path` undefined, `sync-world`: all of stage_dir) would
 * send: rsync's own listing with the sync's `--exclude` words, so what is counted is what rsync
 * sends. Usage errors (exit 2, nothing touched), each naming the culprit: a path outside
 * stage_dir, missing, or neither a regular file nor a folder; a FIFO, socket or device in the
 * tree (not excluded); a symbolic link whose target resolves outside stage_dir; a name that is
 * not UTF-8; a folder rsync cannot read. Dangling links, and links inside stage_dir, are fine.
 */
export async function resolveStagedTree(
  stageDir: string | undefined,
  deployDir: string | undefined,
  path: string | undefined,
  exclude: readonly string[],
  signal: AbortSignal = never,
): Promise<StagedTree> {
  const command = path === undefined ? 'sync-world' : 'sync-file';
  const staged = await resolveStagedPath(stageDir, deployDir, path ?? '.', { command, allowRoot: true, what: 'a file or folder' });
  const shown = path ?? (stageDir as string);
  const isFolder = staged.info.isDirectory();
  if (!isFolder && !staged.info.isFile()) {
    throw new UserError(`${shown}: not a regular file or a folder`, 'sync-file takes a regular file or a folder of stage_dir');
  }
  const tree = { relativePath: staged.relativePath, root: isFolder ? ('folder' as const) : ('file' as const), source: staged.real };
  const listing = await listWithRsync(staged.real, isFolder, exclude, shown, signal);
  if (listing.undecodable.length > 0) {
    throw new UserError(`${staged.relativePath}: a name that is not UTF-8 in the tree: ${listing.undecodable[0]} (as rsync prints it)`, 'rename it');
  }
  const special = listing.skipped[0] ?? listing.items.find((item) => item.kind === 'device' || item.kind === 'special')?.path;
  if (special !== undefined) await refuseSpecial(tree, special);
  if (!isFolder && listing.items.length === 0) {
    throw new UserError(`${shown}: left out by sync_exclude (${exclude.join(', ')}): nothing to sync`, 'sync another path, or change sync_exclude with -D');
  }
  const entries = await readEntries(tree, listing.items, staged.realStage, signal);
  let files = 0;
  let bytes = 0;
  let links = 0;
  for (const entry of entries) {
    if (entry.kind === 'file') {
      files += 1;
      bytes += entry.size;
    } else if (entry.kind === 'link') links += 1;
  }
  return { ...tree, destination: staged.destination, files, bytes, links, entries, excluded: [...exclude] };
}

/** Whether `stage_dir/<path>` is a folder (then sync-file syncs it as a tree). */
export async function isStagedFolder(stageDir: string | undefined, path: string): Promise<boolean> {
  if (stageDir === undefined) return false;
  const info = await stat(isAbsolute(path) ? path : resolve(stageDir, path)).catch(() => undefined);
  return info?.isDirectory() === true;
}
