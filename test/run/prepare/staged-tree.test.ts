import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, lstatSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { resolveStagedTree } from '../../../src/run/prepare/staged-tree.js';
import { buildRsyncTree } from '../../../src/transport/rsync-tree.js';
import { runRsync } from '../../../src/transport/rsync-run.js';
import { useTempDirs } from '../../helpers/temp-dirs.js';

const tempDir = useTempDirs();

/** Write `files` (path → content; a value `{ link }` makes a symlink) under `root`. */
function writeTree(root: string, files: Record<string, string | { link: string }>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    if (typeof content === 'string') writeFileSync(join(root, path), content);
    else symlinkSync(content.link, join(root, path));
  }
}

/** Every path under `root` (folders with a trailing /), as a sorted list. */
function walk(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix))
    .flatMap((name) => {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      return lstatSync(join(root, path)).isDirectory() ? [`${path}/`, ...walk(root, path)] : [path];
    })
    .sort();
}

async function stage(files: Record<string, string | { link: string }>): Promise<string> {
  const root = await tempDir('deploy-stage-');
  writeTree(root, files);
  return root;
}

const never = new AbortController().signal;

/** The message of the UserError `promise` rejects with. */
async function usageError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
}

const TREE = {
  'index.php': '<?php echo 1;\n',
  't.swp': 'swap',
  'cache/c.php': 'root cache',
  'a/cache/d.php': 'nested cache: /cache/ is anchored, kept',
  'a/b/e.swp': 'nested swap',
  'a/b/f.json': '{}',
  '.git/HEAD': 'ref',
  'vendor/lib/.git/config': 'nested .git',
  'vendor/lib/x.php': 'x',
  'link.php': { link: 'index.php' },
  dangling: { link: 'nowhere/at/all' },
  'é ü\nnewline.php': 'a name rsync escapes',
};
const EXCLUDE = ['*.swp', '/cache/', '.git/'];

describe('resolveStagedTree', () => {
  it('reads permission bits as rsync sends them (executable, setgid folder)', async () => {
    const stageDir = await stage({ 'bin/run': '#!/bin/sh\n' });
    chmodSync(join(stageDir, 'bin/run'), 0o755);
    chmodSync(join(stageDir, 'bin'), 0o2750);
    const tree = await resolveStagedTree(stageDir, '/srv', undefined, []);
    expect(tree.entries.map(({ path, mode }) => [path, mode])).toEqual([
      ['bin', 0o2750],
      ['bin/run', 0o755],
    ]);
  });

  it('lists exactly what rsync sends with the same --exclude words (anchored, nested, folders, names rsync escapes)', async () => {
    // Given a stage with swap files, a root and a nested cache/, .git/ at two depths, links and odd names
    const stageDir = await stage(TREE);
    // When the tree of sync-world is resolved, and rsync really syncs it with the sync's own argv
    const tree = await resolveStagedTree(stageDir, '/srv/app', undefined, EXCLUDE);
    const destination = await tempDir('deploy-dest-');
    const run = await runRsync(buildRsyncTree({ source: stageDir, destination, delete: true, exclude: EXCLUDE }), { signal: never });
    expect(run.exitCode).toBe(0);
    // Then the entries are what landed, one for one, and the counts are the files' and links'
    const listed = tree.entries.map((entry) => (entry.kind === 'dir' ? `${entry.path}/` : entry.path)).sort();
    expect(listed).toEqual(walk(destination));
    expect(listed).toEqual(
      [
        'a/',
        'a/b/',
        'a/b/f.json',
        'a/cache/',
        'a/cache/d.php',
        'dangling',
        'index.php',
        'link.php',
        'vendor/',
        'vendor/lib/',
        'vendor/lib/x.php',
        'é ü\nnewline.php',
      ].sort(),
    );
    expect(tree).toMatchObject({ relativePath: '.', root: 'folder', source: stageDir, destination: '/srv/app', files: 5, links: 2, excluded: EXCLUDE });
    const sent = [TREE['index.php'], TREE['a/cache/d.php'], TREE['a/b/f.json'], TREE['vendor/lib/x.php'], TREE['é ü\nnewline.php']];
    expect(tree.bytes).toBe(Buffer.byteLength(sent.join('')));
    expect(tree.entries.find((entry) => entry.path === 'link.php')).toMatchObject({ kind: 'link', target: 'index.php' });
    expect(tree.entries.find((entry) => entry.path === 'index.php')).toMatchObject({ kind: 'file', size: 14, mode: 0o644 });
    // And each entry's bits and mtime (whole seconds) are the file's
    for (const entry of tree.entries) {
      const info = lstatSync(join(stageDir, entry.path));
      expect([entry.path, entry.mode, entry.mtimeMs]).toEqual([entry.path, info.mode & 0o7777, Math.floor(info.mtimeMs / 1000) * 1000]);
    }
  });

  it('matches patterns relative to the synced folder: sync-file a/ leaves out a/cache/ for /cache/', async () => {
    // Given the same stage / When sync-file a/ is resolved
    const stageDir = await stage(TREE);
    const tree = await resolveStagedTree(stageDir, '/srv/app', 'a/', EXCLUDE);
    // Then /cache/ is anchored at a/, and paths are relative to it
    expect(tree.entries.map((entry) => entry.path).sort()).toEqual(['b', 'b/f.json']);
    expect(tree).toMatchObject({ relativePath: 'a', source: join(stageDir, 'a'), destination: '/srv/app/a', files: 1, bytes: 2 });
  });

  it('takes a file as the tree of one file, and refuses one that sync_exclude leaves out', async () => {
    const stageDir = await stage(TREE);
    const tree = await resolveStagedTree(stageDir, '/srv/app', 'a/b/f.json', EXCLUDE);
    expect(tree).toMatchObject({ relativePath: 'a/b/f.json', root: 'file', destination: '/srv/app/a/b/f.json', files: 1, bytes: 2, links: 0 });
    expect(tree.entries.map((entry) => entry.path)).toEqual(['f.json']);
    expect(await usageError(resolveStagedTree(stageDir, '/srv/app', 'a/b/e.swp', EXCLUDE))).toContain('a/b/e.swp: left out by sync_exclude');
  });

  it('refuses a FIFO, a socket and a device in the tree, naming it; an excluded one is fine', async () => {
    // Given a stage with a FIFO in a nested folder
    const stageDir = await stage({ 'php/a.php': 'a' });
    mkdirSync(join(stageDir, 'php/run'));
    execFileSync('mkfifo', [join(stageDir, 'php/run/queue')]);
    // Then sync-file php/ is a usage error naming it; with it excluded, the tree resolves
    expect(await usageError(resolveStagedTree(stageDir, '/srv', 'php', []))).toBe(
      'php/run/queue: a FIFO in the tree; only regular files, folders and symbolic links are synced',
    );
    expect((await resolveStagedTree(stageDir, '/srv', 'php', ['/run/'])).files).toBe(1);
    // Given a socket instead
    execFileSync('rm', [join(stageDir, 'php/run/queue')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(stageDir, 'php/run/sock'), resolve));
    try {
      expect(await usageError(resolveStagedTree(stageDir, '/srv', undefined, []))).toMatch(/^php\/run\/sock: a socket in the tree/);
    } finally {
      server.close();
    }
  });

  it.runIf(process.getuid?.() === 0)('refuses a device (root can make one)', async () => {
    const stageDir = await stage({ 'a.php': 'a' });
    execFileSync('mknod', [join(stageDir, 'null'), 'c', '1', '3']);
    expect(await usageError(resolveStagedTree(stageDir, '/srv', undefined, []))).toMatch(/^null: a character device in the tree/);
  });

  it('refuses a symlink that makes the folder escape stage_dir; links inside stage_dir and dangling ones inside are fine', async () => {
    // Given links inside the tree, to a sibling folder of the stage, and dangling inside
    const stageDir = await stage({
      'php/a.php': 'a',
      'php/same.php': { link: 'a.php' },
      'php/shared': { link: '../shared' },
      'php/gone.php': { link: 'not-yet.php' },
      'shared/s.php': 's',
    });
    const tree = await resolveStagedTree(stageDir, '/srv', 'php', []);
    expect(tree.links).toBe(3);
    // When one more points outside (absolute, relative, and dangling outside)
    for (const [name, target] of [
      ['etc', '/etc'],
      ['up', '../../..'],
      ['ghost', '../../nowhere/x.php'],
    ] as const) {
      symlinkSync(target, join(stageDir, 'php', name));
      // Then it is named, with where it leads
      expect(await usageError(resolveStagedTree(stageDir, '/srv', 'php', []))).toMatch(
        new RegExp(`^php/${name}: a symbolic link to .*: it makes the folder escape stage_dir$`),
      );
      execFileSync('rm', [join(stageDir, 'php', name)]);
    }
  });

  it('refuses a missing path, one outside stage_dir, and one that is neither file nor folder', async () => {
    const stageDir = await stage({ 'a.php': 'a' });
    execFileSync('mkfifo', [join(stageDir, 'fifo')]);
    expect(await usageError(resolveStagedTree(stageDir, '/srv', 'nope/', []))).toBe(`nope/: no such file or folder in stage_dir ${stageDir}`);
    expect(await usageError(resolveStagedTree(stageDir, '/srv', '../', []))).toBe(`../: outside stage_dir ${stageDir}`);
    expect(await usageError(resolveStagedTree(stageDir, '/srv', '/etc', []))).toBe(`/etc: outside stage_dir ${stageDir}`);
    expect(await usageError(resolveStagedTree(stageDir, '/srv', 'fifo', []))).toBe('fifo: not a regular file or a folder');
    expect(await usageError(resolveStagedTree(undefined, '/srv', undefined, []))).toBe('stage_dir: not set');
  });

  it('refuses a name that is not UTF-8, as rsync prints it', async () => {
    const stageDir = await stage({ 'a.php': 'a' });
    writeFileSync(Buffer.concat([Buffer.from(`${stageDir}/caf`), Buffer.from([0xe9]), Buffer.from('.php')]), 'latin-1 name');
    expect(await usageError(resolveStagedTree(stageDir, '/srv', undefined, []))).toBe(
      '.: a name that is not UTF-8 in the tree: caf\\#351.php (as rsync prints it)',
    );
  });

  it('takes stage_dir itself, named or absolute, as the whole stage', async () => {
    const stageDir = await stage({ 'a.php': 'a' });
    for (const path of ['.', './', stageDir]) {
      expect(await resolveStagedTree(stageDir, '/srv/app/', path, [])).toMatchObject({ relativePath: '.', destination: '/srv/app', files: 1 });
    }
  });
});
