import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Transport } from '../../src/transport/types.js';
import { makeTempDir } from '../helpers/cli.js';

/** A file or symlink on a host, looked at without the transport. */
export interface HostEntry {
  /** The content, or a symlink's target. */
  content: string;
  mode: number;
  /** Whole seconds. */
  mtime: number;
  symlink: boolean;
}

/**
 * The Transport contract for syncTree, run against each transport (local, the fake fleet,
 * ssh): a transport plus a way to look at and edit a host's tree behind its back.
 */
export interface TreeSubject {
  transport: Transport;
  host: string;
  /** A fresh absolute remote folder for one test; its parent exists. */
  destination(name: string): string;
  /** Every file and symlink under the remote folder, by relative path. */
  look(destination: string): Promise<Map<string, HostEntry>>;
  /** Write a file on the host by hand (as an operator would), with this mtime (seconds). */
  edit(destination: string, relative: string, content: string, mtime: number): Promise<void>;
}

const signal = (): AbortSignal => new AbortController().signal;
/** 2024-01-01T00:00:00Z: the stage tree's files are older than anything written now. */
const OLD = 1704067200;

let stages: string[] = [];
afterEach(async () => {
  await Promise.all(stages.map((stage) => rm(stage, { recursive: true, force: true })));
  stages = [];
});

async function put(stage: string, relative: string, content: string | Buffer, mode = 0o644, mtime = OLD): Promise<void> {
  const path = join(stage, relative);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  await chmod(path, mode);
  await utimes(path, mtime, mtime);
}

/**
 * A stage tree: nested folders, a symlink, an executable, a 200 KB file, an excluded `.git/`.
 * Every file has mtime OLD.
 */
export async function stageTree(): Promise<string> {
  const stage = await makeTempDir('deploy-tree-stage-');
  stages.push(stage);
  await put(stage, 'index.php', '<?php echo 1;\n');
  await put(stage, 'bin/run.sh', '#!/bin/sh\necho run\n', 0o755);
  await put(stage, 'includes/a/deep/one.php', '<?php // one\n');
  await put(stage, 'includes/a/deep/two.php', '<?php // two\n');
  await put(stage, 'includes/big.js', Buffer.alloc(200_000, 'x'));
  await put(stage, 'config/settings.json', '{"a": 1}\n', 0o640);
  await put(stage, '.git/HEAD', 'ref: refs/heads/main\n');
  await symlink('includes/a/deep/one.php', join(stage, 'current.php'));
  return stage;
}

async function localTree(root: string, prefix = ''): Promise<Map<string, HostEntry>> {
  const tree = new Map<string, HostEntry>();
  for (const name of await readdir(root)) {
    const path = join(root, name);
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    const stats = await lstat(path);
    const mtime = Math.floor(stats.mtimeMs / 1000);
    if (stats.isDirectory()) for (const [key, value] of await localTree(path, relative)) tree.set(key, value);
    else if (stats.isSymbolicLink()) tree.set(relative, { content: await readlink(path), mode: 0o777, mtime, symlink: true });
    else tree.set(relative, { content: await readFile(path, 'utf8'), mode: stats.mode & 0o7777, mtime, symlink: false });
  }
  return tree;
}

/** `look` and `edit` for a transport whose remote paths are `local(remotePath)` on this machine. */
export function onDisk(local: (remotePath: string) => string): Pick<TreeSubject, 'look' | 'edit'> {
  return {
    look: async (destination) => localTree(local(destination)),
    edit: async (destination, relative, content, mtime) => {
      const path = join(local(destination), relative);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, content);
      await utimes(path, mtime, mtime);
    },
  };
}

const EXCLUDE = ['.git/', 'cache/'];
const sorted = (values: readonly string[]): string[] => [...values].sort();
const ALL = ['bin/run.sh', 'config/settings.json', 'current.php', 'includes/a/deep/one.php', 'includes/a/deep/two.php', 'includes/big.js', 'index.php'];

/**
 * linkDest, for transports whose hosts are folders on this machine (`local(remotePath)`): the
 * fake fleet has nothing to link.
 */
export function linkDestContract(subject: () => TreeSubject, local: (remotePath: string) => string): void {
  it('syncTree with linkDest: unchanged files are hard links to the old copy, changed ones are new, the old copy is untouched', async () => {
    // Given release 1 on the host, and a stage where index.php then changes
    const { transport, host, destination, look } = subject();
    const stage = await stageTree();
    const first = destination('release-1');
    await transport.syncTree(host, { source: stage, destination: first, exclude: EXCLUDE, delete: true, signal: signal() });
    await put(stage, 'index.php', '<?php echo 2; // release 2\n');
    // When release 2 is synced beside it with linkDest release 1
    const second = destination('release-2');
    const result = await transport.syncTree(host, { source: stage, destination: second, exclude: EXCLUDE, delete: true, signal: signal(), linkDest: first });
    // Then only index.php was sent; big.js is the same inode in both; release 1 still has its own index.php
    expect(result.changed).toEqual(['index.php']);
    expect(result.bytesSent).toBeLessThan(50_000);
    const inode = async (remote: string): Promise<number> => (await lstat(local(remote))).ino;
    expect(await inode(`${second}/includes/big.js`)).toBe(await inode(`${first}/includes/big.js`));
    expect(await inode(`${second}/index.php`)).not.toBe(await inode(`${first}/index.php`));
    expect(sorted([...(await look(second)).keys()])).toEqual(ALL);
    expect((await look(first)).get('index.php')?.content).toBe('<?php echo 1;\n');
  });
}

export function treeContract(subject: () => TreeSubject): void {
  it('syncTree, first sync: every file arrives with its mode and mtime, the symlink as a link, the excluded folder not at all', async () => {
    // Given a stage tree and an empty host folder
    const { transport, host, destination, look } = subject();
    const stage = await stageTree();
    const to = destination('first');
    // When it is synced
    const result = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    // Then every file and link is reported changed, nothing removed, and the host has them as they are here
    expect(sorted(result.changed)).toEqual(ALL);
    expect(result.removed).toEqual([]);
    expect(result.bytesSent).toBeGreaterThan(0);
    const tree = await look(to);
    expect(sorted([...tree.keys()])).toEqual(ALL);
    expect(tree.get('bin/run.sh')).toMatchObject({ mode: 0o755, mtime: OLD, content: '#!/bin/sh\necho run\n', symlink: false });
    expect(tree.get('config/settings.json')).toMatchObject({ mode: 0o640, mtime: OLD });
    expect(tree.get('current.php')).toMatchObject({ symlink: true, content: 'includes/a/deep/one.php' });
    // And a second sync of the same tree moves nothing
    const again = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    expect(again).toMatchObject({ changed: [], removed: [] });
  });

  it("syncTree: a first sync whose item lines run past exec's output cap reports every file, and a delete every removal", async () => {
    // Given 1,000 files with long names (~100 KB of rsync item lines) and an empty host folder
    const { transport, host, destination } = subject();
    const stage = await makeTempDir('deploy-tree-stage-');
    stages.push(stage);
    const names = Array.from({ length: 1000 }, (_, i) => `many/${String(i).padStart(4, '0')}-a-name-long-enough-to-fill-the-item-lines-of-rsync.txt`);
    await mkdir(join(stage, 'many'));
    await Promise.all(names.map((name) => writeFile(join(stage, name), 'x\n')));
    const to = destination('many');
    // When it is synced, then synced again once every file is gone from the stage
    const first = await transport.syncTree(host, { source: stage, destination: to, exclude: [], delete: true, signal: signal() });
    await rm(join(stage, 'many'), { recursive: true });
    const second = await transport.syncTree(host, { source: stage, destination: to, exclude: [], delete: true, signal: signal() });
    // Then the first reports every file changed and created, the second every one removed
    expect(sorted(first.changed)).toEqual(names);
    expect(sorted(first.created)).toEqual(names);
    expect(sorted(second.removed)).toEqual(names);
  });

  it('syncTree, two files changed and one deleted: only those move, and few bytes', async () => {
    // Given a host in sync with the stage tree
    const { transport, host, destination, look } = subject();
    const stage = await stageTree();
    const to = destination('resync');
    const first = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    // When two files change (one by size, one by mtime only) and one is deleted, and the tree is synced again
    await put(stage, 'index.php', '<?php echo 2; // longer\n');
    await put(stage, 'includes/a/deep/one.php', '<?php // ONE\n', 0o644, OLD + 60);
    await rm(join(stage, 'includes/a/deep/two.php'));
    const result = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    // Then exactly those are reported, the host has the new tree, and far fewer bytes moved than the first time
    expect(sorted(result.changed)).toEqual(['includes/a/deep/one.php', 'index.php']);
    expect(result.removed).toEqual(['includes/a/deep/two.php']);
    expect(result.bytesSent).toBeLessThan(first.bytesSent / 20);
    const tree = await look(to);
    expect(tree.get('index.php')?.content).toBe('<?php echo 2; // longer\n');
    expect(tree.get('includes/a/deep/one.php')).toMatchObject({ content: '<?php // ONE\n', mtime: OLD + 60 });
    expect(tree.has('includes/a/deep/two.php')).toBe(false);
  });

  it('syncTree: a file changed by hand on the host (same size, new mtime) is detected and replaced', async () => {
    // Given a synced host where someone edits a file in place, keeping its size
    const { transport, host, destination, look, edit } = subject();
    const stage = await stageTree();
    const to = destination('by-hand');
    await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    await edit(to, 'index.php', '<?php echo 9;\n', OLD + 3600);
    // When the unchanged stage tree is synced again
    const result = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    // Then that file alone is replaced by the stage's
    expect(result.changed).toEqual(['index.php']);
    expect((await look(to)).get('index.php')).toMatchObject({ content: '<?php echo 1;\n', mtime: OLD });
  });

  it("syncTree: an excluded folder is neither synced nor deleted on the host; without delete the host's extra files stay", async () => {
    // Given a host folder with its own cache/ and an extra file, and a stage with a cache/ of its own
    const { transport, host, destination, look, edit } = subject();
    const stage = await stageTree();
    await put(stage, 'cache/stage-only.txt', 'from stage\n');
    const to = destination('excluded');
    await edit(to, 'cache/host-only.txt', 'from host\n', OLD);
    await edit(to, 'extra.txt', 'extra\n', OLD);
    // When the tree is synced without delete, then with it
    const keep = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: false, signal: signal() });
    const kept = await look(to);
    const cleaned = await transport.syncTree(host, { source: stage, destination: to, exclude: EXCLUDE, delete: true, signal: signal() });
    // Then the host's cache/ is untouched and the stage's never arrives; only delete removes extra.txt
    expect(keep.removed).toEqual([]);
    expect(kept.has('extra.txt')).toBe(true);
    expect(cleaned.removed).toEqual(['extra.txt']);
    const tree = await look(to);
    expect(tree.get('cache/host-only.txt')?.content).toBe('from host\n');
    expect(tree.has('cache/stage-only.txt')).toBe(false);
    expect(tree.has('.git/HEAD')).toBe(false);
  });
}
