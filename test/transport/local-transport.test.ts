import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stagedNames } from '../../src/lib/staged-names.js';
import { resolveStagedTree } from '../../src/run/prepare/staged-tree.js';
import { isProcessAlive } from '../../src/state/lock-holder.js';
import { createLocalTransport } from '../../src/transport/local-transport.js';
import { HostFailure, type Transport } from '../../src/transport/types.js';
import { replaceContract } from './replace-contract.js';
import { linkDestContract, onDisk, treeContract } from './tree-contract.js';

let dir: string;
let transport: Transport;
const never = new AbortController().signal;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploy-local-'));
  transport = createLocalTransport({ fleetDir: dir });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('local transport: exec', () => {
  it('runs in the host folder with DEPLOY_HOST set, keeping stdout, stderr and status apart', async () => {
    // Given host mw01 / When a command prints on both streams and exits 3
    const result = await transport.exec('mw01', ['sh', '-c', 'echo "$DEPLOY_HOST in $(pwd)"; echo oops >&2; exit 3'], { signal: never });
    // Then the output and status are its own
    expect(result).toEqual({ exitCode: 3, stdout: `mw01 in ${join(dir, 'mw01')}\n`, stderr: 'oops\n', truncated: false });
  });

  it('passes arguments through unchanged, with no shell in between', async () => {
    const result = await transport.exec('h', ['printf', '%s|', 'a b', "it's", '$HOME', ';ls'], { signal: never });
    expect(result.stdout).toBe("a b|it's|$HOME|;ls|");
  });

  it('reports a missing script as exit 127, like a shell would', async () => {
    const result = await transport.exec('h', ['./no-such-script', '100'], { signal: never });
    expect(result.exitCode).toBe(127);
  });

  it('on abort kills the whole process group and rejects with the reason', async () => {
    // Given a command that starts a background child and waits
    const pidFile = join(dir, 'child.pid');
    const controller = new AbortController();
    const running = transport.exec('h', ['sh', '-c', `sleep 1000 & echo $! > ${pidFile}; wait`], { signal: controller.signal });
    while (!existsSync(pidFile) || (await readFile(pidFile, 'utf8')).trim() === '') await sleep(10);
    const childPid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(isProcessAlive(childPid)).toBe(true);
    // When it is aborted
    const reason = new HostFailure('timeout', 'timed out after 1s');
    controller.abort(reason);
    // Then exec rejects with the reason and the grandchild is gone too
    await expect(running).rejects.toBe(reason);
    for (let i = 0; i < 50 && isProcessAlive(childPid); i++) await sleep(20);
    expect(isProcessAlive(childPid)).toBe(false);
  });

  it('cuts output past the cap and says so', async () => {
    const result = await transport.exec('h', ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x'], { signal: never });
    expect(result.truncated).toBe(true);
    expect(result.stdout).toMatch(/\[output cut: 134464 more bytes not kept\]$/);
  });

  it('hands onOutput all of the output past the cap, no character split between two pieces', async () => {
    // Given a command printing 100,000 € (3 bytes each: the pipe's chunks end inside some of them)
    const pieces: string[] = [];
    // When it runs with an onOutput listener
    const result = await transport.exec('h', ['sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" x | sed "s/x/€/g"'], {
      signal: never,
      onOutput: (stream, piece) => {
        if (stream === 'stdout') pieces.push(piece);
      },
    });
    // Then the result is cut, and onOutput had every character, whole
    expect(result.truncated).toBe(true);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('€'.repeat(100_000));
  });
});

describe('local transport: writeFile', () => {
  it('writes atomically under the host folder, creating parents and keeping the mode', async () => {
    // Given no file yet / When written with mode 0755
    const result = await transport.writeFile('mw01', '/srv/mediawiki/php/run.sh', Buffer.from('#!/bin/sh\n'), { signal: never, mode: 0o755 });
    // Then it is in place with that mode, and no temp file is left
    const path = join(dir, 'mw01', 'srv', 'mediawiki', 'php', 'run.sh');
    expect(result.changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('#!/bin/sh\n');
    expect((await stat(path)).mode & 0o777).toBe(0o755);
    expect(await readdir(join(dir, 'mw01', 'srv', 'mediawiki', 'php'))).toEqual(['run.sh']);
  });

  it('skips the write when the host already has identical content and mode', async () => {
    await transport.writeFile('h', '/d/f', Buffer.from('same'), { signal: never, mode: 0o644 });
    const again = await transport.writeFile('h', '/d/f', Buffer.from('same'), { signal: never, mode: 0o644 });
    const changed = await transport.writeFile('h', '/d/f', Buffer.from('new'), { signal: never, mode: 0o644 });
    // Same size, same mode, other bytes: the content is compared, not only size and mode
    const sameSize = await transport.writeFile('h', '/d/f', Buffer.from('NEW'), { signal: never, mode: 0o644 });
    expect([again.changed, changed.changed, sameSize.changed]).toEqual([false, true, true]);
    expect(await readFile(join(dir, 'h', 'd', 'f'), 'utf8')).toBe('NEW');
  });

  it("clears our own stale temporaries for the file on the next write, and nobody else's", async () => {
    // Given a temporary left by a write that died, and a file of someone else's with a similar name
    const folder = join(dir, 'h', 'd');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, '.f.deploy-0123456789ab.tmp'), 'partial');
    await writeFile(join(folder, '.f.deploy-notours.tmp'), 'theirs');
    // When the file is written
    await transport.writeFile('h', '/d/f', Buffer.from('whole'), { signal: never, mode: 0o644 });
    // Then only ours is gone
    expect((await readdir(folder)).sort()).toEqual(['.f.deploy-notours.tmp', 'f']);
  });

  it('fails the host and leaves the old file when the write cannot happen', async () => {
    // Given a destination whose parent is a file, not a folder
    await writeFile(join(dir, 'blocker'), 'x');
    await expect(transport.writeFile('blocker', '/f', Buffer.from('y'), { signal: never, mode: 0o644 })).rejects.toMatchObject({ kind: 'transfer' });
    expect(await readFile(join(dir, 'blocker'), 'utf8')).toBe('x');
  });
});

describe('local transport: readFile, keep, expect, removeFile', () => {
  replaceContract(() => ({
    transport,
    host: 'mw01',
    path: (name) => `/srv/app/${name}`,
    look: async (path) => {
      const file = join(dir, 'mw01', path);
      if (!existsSync(file)) return undefined;
      return { content: await readFile(file, 'utf8'), mode: (await stat(file)).mode & 0o7777 };
    },
  }));
});

describe('local transport: syncTree', () => {
  const subject = () => {
    mkdirSync(join(dir, 'mw01', 'srv'), { recursive: true });
    return { transport, host: 'mw01', destination: (name: string) => `/srv/${name}`, ...onDisk((path) => join(dir, 'mw01', path)) };
  };
  treeContract(subject);
  linkDestContract(subject, (path) => join(dir, 'mw01', path));

  it("names the files with the staged names' strings when given them", async () => {
    // Given a stage of two files, and names for one (mapped to a marked copy: strings compare by value, so the mark shows which string a list holds)
    const stage = join(dir, 'stage');
    await mkdir(stage);
    await writeFile(join(stage, 'a.php'), 'a');
    await writeFile(join(stage, 'b.php'), 'b');
    const names = { paths: new Map([['a.php', 'staged:a.php']]), files: [] };
    // When it is synced to a host
    const result = await transport.syncTree('mw01', { source: stage, destination: '/srv/app', exclude: [], delete: true, names, signal: never });
    // Then a.php is the staged string, b.php the host's own
    expect(result.changed).toEqual(['staged:a.php', 'b.php']);
  });

  it("gives a first sync's lists as the staged list itself: real rsync sends items in the order of the stage's listing", async () => {
    // Given a stage whose names sort differently by byte, by locale and by depth, listed as a run lists it
    const stage = join(dir, 'stage');
    for (const folder of ['lib/B', 'lib/a-b', 'lib/a', '_x', 'Z']) await mkdir(join(stage, folder), { recursive: true });
    const files = ['a.php', 'A.php', 'a-b.php', 'lib/a.php', 'lib/a-b/1.php', 'lib/a/z.php', 'lib/B/k.php', '_x/y.json', 'Z/0.php', 'é.php', 'lib/a.php.bak'];
    for (const file of files) await writeFile(join(stage, file), file);
    await symlink('a.php', join(stage, 'lib/link'));
    const names = stagedNames((await resolveStagedTree(stage, '/srv/app', undefined, [])).entries);
    expect(names.files).toHaveLength(files.length + 1);
    // When it is synced to an empty host folder
    const first = await transport.syncTree('mw01', { source: stage, destination: '/srv/app', exclude: [], delete: true, names, signal: never });
    // Then every list of the host's is the staged list, not a copy
    expect(first.changed).toBe(names.files);
    expect(first.created).toBe(names.files);
    // And a re-sync of two files is its own list of the staged strings
    await writeFile(join(stage, 'lib/a/z.php'), 'new z, longer');
    await writeFile(join(stage, 'A.php'), 'new A, longer');
    const again = await transport.syncTree('mw01', { source: stage, destination: '/srv/app', exclude: [], delete: true, names, signal: never });
    expect([...again.changed].sort()).toEqual(['A.php', 'lib/a/z.php']);
    expect(again.created).toEqual([]);
  });
});
