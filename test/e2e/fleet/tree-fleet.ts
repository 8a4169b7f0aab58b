import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SshdFleet } from './sshd-fleet.js';

/**
 * Helpers of the tree end-to-end tests (test/e2e/tree-*.test.ts): a staged tree with nested
 * folders, a symlink, an executable and an excluded folder; snapshots of a tree as it is on
 * disk; a restart script that records, on the host, where `current` pointed when it ran.
 */

/** Where the recording restart script is, as the hosts see it. */
export const RECORD_RESTART = '/srv/fleet/bin/record-restart';
/** The threshold a restart gets with always_restart (and every `releases` restart). */
export const ALWAYS = '9223372036854775807';

/**
 * The restart script: appends one line per run to /srv/fleet/restarts.log,
 * `<threshold> self=<where current points> <peer>=<where its current points> ...`, the peers
 * read from /srv/fleet/peers (`name path` lines: other hosts' deploy/current on this machine,
 * which a host sees too), so a host's restart shows what the others had at that moment.
 * In-place hosts have no `current`: `-`. Exits with /srv/fleet/restart-exit when present.
 */
const SCRIPT = `#!/bin/sh
cur() { readlink "$1" 2>/dev/null || echo -; }
for last; do :; done
line="$last self=$(cur /srv/fleet/deploy/current)"
if [ -f /srv/fleet/peers ]; then
  while read -r name path; do line="$line $name=$(cur "$path")"; done < /srv/fleet/peers
fi
echo "$line" >> /srv/fleet/restarts.log
[ -f /srv/fleet/restart-exit ] && exit "$(cat /srv/fleet/restart-exit)"
exit 0
`;

/** Install the recording restart script on every host, each knowing where its peers' `current` is. */
export async function installRecordingRestart(fleet: SshdFleet): Promise<void> {
  const peers = fleet.hosts.map((host) => `${host.name} ${join(host.root, 'deploy', 'current')}`).join('\n');
  for (const host of fleet.hosts) {
    const script = join(host.root, 'bin', 'record-restart');
    await writeFile(script, SCRIPT);
    await chmod(script, 0o755);
    await writeFile(join(host.root, 'peers'), `${peers}\n`);
  }
}

export interface RestartRecord {
  threshold: string;
  /** Where this host's `current` pointed when its restart ran ('-': no link). */
  self: string;
  /** Where each host's `current` pointed at that moment. */
  peers: Record<string, string>;
}

/** The restarts a host ran, oldest first. */
export async function restartRecords(fleet: SshdFleet, host: string): Promise<RestartRecord[]> {
  const root = fleet.hosts.find((h) => h.name === host)?.root ?? '';
  const file = join(root, 'restarts.log');
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [threshold = '', ...pairs] = line.split(' ');
      const values = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
      const { self = '', ...peers } = values;
      return { threshold, self, peers };
    });
}

export interface Entry {
  type: 'file' | 'link' | 'folder' | 'other';
  /** Permission bits. */
  mode: number;
  /** Whole seconds. */
  mtime?: number;
  size?: number;
  sha256?: string;
  target?: string;
  inode: number;
}

/** A tree as it is on disk: every path under `root` (posix, relative), what it is. */
export type Snapshot = Record<string, Entry>;

/** Snapshot `root`, leaving out the names in `skip` (at any depth). A missing root is `{}`. */
export async function snapshot(root: string, skip: readonly string[] = []): Promise<Snapshot> {
  const out: Snapshot = {};
  if (!existsSync(root)) return out;
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(folder)).sort()) {
      if (skip.includes(name)) continue;
      const path = join(folder, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const info = await lstat(path);
      const base = { mode: info.mode & 0o7777, inode: info.ino };
      if (info.isSymbolicLink()) out[rel] = { type: 'link', ...base, target: await readlink(path) };
      else if (info.isDirectory()) {
        out[rel] = { type: 'folder', ...base };
        await walk(path, rel);
      } else if (info.isFile()) {
        out[rel] = {
          type: 'file',
          ...base,
          mtime: Math.floor(info.mtimeMs / 1000),
          size: info.size,
          sha256: createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
        };
      } else out[rel] = { type: 'other', ...base };
    }
  };
  await walk(root, '');
  return out;
}

/** A snapshot without inodes (what must match between two copies of a tree). */
export function content(tree: Snapshot, options: { folderModes?: boolean } = {}): Record<string, Omit<Entry, 'inode'>> {
  return Object.fromEntries(
    Object.entries(tree).map(([path, { inode: _inode, ...entry }]) => [
      path,
      options.folderModes === false && entry.type === 'folder' ? { type: 'folder', mode: 0 } : entry,
    ]),
  );
}

/** Names under `root` (any depth) that look like a transfer's temporaries: rsync's `.~tmp~` folders and dot-files it makes. */
export async function temporaries(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    // A folder a running transfer or prepare removes while this walks has no temporaries left.
    const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw error;
    });
    for (const entry of entries) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.name === '.deploy' && prefix === '') continue;
      if (entry.name === '.~tmp~' || /^\..+\.[A-Za-z0-9]{6}$/.test(entry.name) || entry.name.includes('.deploy-')) found.push(rel);
      if (entry.isDirectory()) await walk(join(folder, entry.name), rel);
    }
  };
  await walk(root, '');
  return found;
}

const MTIME = new Date('2026-01-02T03:04:05Z');

/** A deterministic buffer of `size` bytes (every byte value): a copy that is not byte-exact shows. */
export function bytes(size: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, index) => (index * 31 + seed * 7 + (index >> 8)) % 256));
}

/**
 * Write the staged tree `app/` under `stage`:
 *
 *   app/index.php              0644
 *   app/config.json            0640
 *   app/lib/util.php
 *   app/lib/deep/nested/x.php  three levels down
 *   app/lib/big.bin            256 KiB: what a first sync sends and a re-sync must not
 *   app/bin/tool.sh            0755 (executable)
 *   app/link.php -> lib/util.php  (a relative symlink)
 *   app/cache/                 excluded by sync_exclude "/cache/": never sent
 *
 * Every file's mtime is a fixed time in the past, so a copy's mtime shows.
 */
export async function writeStagedApp(stage: string, version = 1): Promise<void> {
  const app = join(stage, 'app');
  const files: Array<[string, string | Buffer, number]> = [
    ['index.php', `<?php require __DIR__ . '/lib/util.php'; echo "v${version}";\n`, 0o644],
    ['config.json', '{"db": "db1001"}\n', 0o640],
    ['lib/util.php', '<?php function util() { return 1; }\n', 0o644],
    ['lib/deep/nested/x.php', '<?php // deep\n', 0o644],
    ['lib/big.bin', bytes(256 * 1024, 1), 0o644],
    ['bin/tool.sh', '#!/bin/sh\necho tool\n', 0o755],
    ['cache/huge.dat', bytes(64 * 1024, 2), 0o644],
    ['cache/page.html', '<html>cached</html>\n', 0o644],
  ];
  for (const [path, data, mode] of files) {
    const file = join(app, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    await chmod(file, mode);
    await utimes(file, MTIME, MTIME);
  }
  if (!existsSync(join(app, 'link.php'))) await symlink('lib/util.php', join(app, 'link.php'));
}

/** The files of the staged app a sync sends (cache/ excluded): 6 regular files and the link. */
export const APP_SENT = ['bin/tool.sh', 'config.json', 'index.php', 'lib/big.bin', 'lib/deep/nested/x.php', 'lib/util.php', 'link.php'];
