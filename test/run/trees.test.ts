import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeployOptions } from '../../src/run/prepare/deploy-options.js';
import { rollback } from '../../src/services/rollback.js';
import { syncFile } from '../../src/services/sync-file.js';
import { syncWorld } from '../../src/services/sync-world.js';
import { createLocalTransport } from '../../src/transport/local-transport.js';
import { HostFailure, type Transport } from '../../src/transport/types.js';
import { Capture } from './fixture.js';

/**
 * Tree runs end to end on the embedded `local` transport: real folders for hosts, the real
 * rsync, the real host scripts. (The same on real sshd hosts: test/e2e.)
 */
interface Project {
  dir: string;
  stage: string;
  /** A host's deploy_dir on this machine. */
  deployDir(host: string): string;
  run(
    service: (options: DeployOptions) => Promise<number>,
    defines?: string[],
    extra?: Partial<DeployOptions>,
  ): Promise<{ code: number; report: Record<string, unknown> & { hosts: Array<Record<string, unknown>> }; text: string }>;
}

const HOSTS = ['mw01', 'mw02', 'mw03', 'job01'];

async function project(dir: string, config: Record<string, unknown> = {}): Promise<Project> {
  const stage = join(dir, 'stage');
  await mkdir(join(stage, 'php', 'lib'), { recursive: true });
  await writeFile(join(stage, 'php', 'index.php'), '<?php require __DIR__ . "/lib/a.php";\n');
  await writeFile(join(stage, 'php', 'lib', 'a.php'), '<?php function a() { return 1; }\n');
  await writeFile(join(stage, 'php', 'gone.php'), '<?php // removed later\n');
  await writeFile(join(stage, 'php', 'data.json'), '{"a": 1}\n');
  // The restart script notes, in the host's folder, where `current` pointed when it ran.
  const script = join(dir, 'restart.sh');
  await writeFile(script, '#!/bin/sh\n{ readlink srv/app/current || echo none; } >> restarts.log\n');
  await chmod(script, 0o755);
  const configPath = join(dir, 'scap.config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      transport: 'local',
      local_fleet_dir: 'fleet',
      targets: HOSTS,
      canaries: ['mw01'],
      no_restart_targets: ['job01'],
      stage_dir: 'stage',
      deploy_dir: '/srv/app',
      lock_file: 'deploy.lock',
      history_file: 'state/history.jsonl',
      php_fpm_restart_script: script,
      restart_sudo_user: '',
      canary_wait_time: 0,
      ...config,
    }),
  );
  return {
    dir,
    stage,
    deployDir: (host) => join(dir, 'fleet', host, 'srv', 'app'),
    async run(service, defines = [], extra = {}) {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await service({
        message: 'tree test',
        configPath,
        defines,
        force: false,
        json: true,
        dryRun: false,
        cwd: dir,
        env: { CI: '1' },
        stdout,
        stderr,
        systemConfigPath: join(dir, 'none.json'),
        ...extra,
      });
      return { code, report: JSON.parse(stdout.text), text: stderr.text };
    },
  };
}

const sync = (phase: string) => (host: Record<string, unknown>) => host.phase === phase;

describe('a tree run on the local transport', () => {
  let dir: string;
  let p: Project;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-trees-'));
    p = await project(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('releases: builds beside the live release, switches current right before each restart, hard-links what did not change', async () => {
    // Given a first sync-world in the releases layout
    const first = await p.run(syncWorld, ['deploy_layout:releases']);
    expect(first.code, first.text).toBe(0);
    const release1 = await readlink(join(p.deployDir('mw02'), 'current'));
    // When one file changes, one is removed, and php/ is synced again (a second later: a new run id)
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php require __DIR__ . "/lib/a.php"; // 2\n');
    await rm(join(p.stage, 'php', 'gone.php'));
    const second = await p.run((options) => syncFile({ ...options, path: 'php' }), ['deploy_layout:releases']);
    // Then it succeeded and current is a new release on every host
    expect(second.code, second.text).toBe(0);
    const release2 = await readlink(join(p.deployDir('mw02'), 'current'));
    expect(release2).not.toBe(release1);
    // And each restart ran with current already on the new release (and job01, never restarted, switched anyway)
    for (const host of ['mw01', 'mw02', 'mw03']) {
      const log = (await readFile(join(dir, 'fleet', host, 'restarts.log'), 'utf8')).trim().split('\n');
      expect(log, host).toEqual([release1, release2]);
    }
    expect(await readlink(join(p.deployDir('job01'), 'current'))).toBe(release2);
    // And the unchanged file is the same inode in both releases; the changed one is not; the removed one is gone
    const inode = async (release: string, path: string) => (await stat(join(p.deployDir('mw02'), release, path))).ino;
    expect(await inode(release2, 'php/lib/a.php')).toBe(await inode(release1, 'php/lib/a.php'));
    expect(await inode(release2, 'php/index.php')).not.toBe(await inode(release1, 'php/index.php'));
    await expect(lstat(join(p.deployDir('mw02'), release2, 'php', 'gone.php'))).rejects.toThrow();
    // And the report counts one file changed and one removed per host, with bytes sent
    const hosts = second.report.hosts.filter(sync('sync-hosts'));
    expect(hosts.map((h) => [h.changed, h.removed])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(second.report.tree).toEqual({ files: 3, bytes: expect.any(Number) });
  });

  it('releases: failed canary checks switch the canary back and touch no other host; keep_releases prunes after success', async () => {
    // Given two good runs with keep_releases 2
    expect((await p.run(syncWorld, ['deploy_layout:releases', 'keep_releases:2'])).code).toBe(0);
    for (const n of [2, 3]) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await writeFile(join(p.stage, 'php', 'index.php'), `<?php // ${n}\n`);
      expect((await p.run(syncWorld, ['deploy_layout:releases', 'keep_releases:2'])).code).toBe(0);
    }
    // Then each host keeps two releases, current among them
    const releases = await readdir(join(p.deployDir('mw02'), 'releases'));
    expect(releases).toHaveLength(2);
    const live = await readlink(join(p.deployDir('mw01'), 'current'));
    expect(releases).toContain(live.replace('releases/', ''));
    // When a run's canary checks fail
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php // bad\n');
    const bad = await p.run(syncWorld, ['deploy_layout:releases', 'keep_releases:2', 'canary_checks:false']);
    // Then it rolled back: the canary is on its old release again, restarted twice, the others never touched
    expect(bad.code).toBe(1);
    expect(bad.report.status).toBe('rolled-back');
    expect(await readlink(join(p.deployDir('mw01'), 'current'))).toBe(live);
    expect(await readlink(join(p.deployDir('mw02'), 'current'))).toBe(live);
    const canaryLog = (await readFile(join(dir, 'fleet', 'mw01', 'restarts.log'), 'utf8')).trim().split('\n');
    expect(canaryLog.at(-1)).toBe(live);
    expect(canaryLog.at(-2)).not.toBe(live);
  });

  it('in-place: two changed and one deleted move; deploy rollback puts them back and skips a host changed by hand', async () => {
    // Given a first in-place sync of php/
    const syncPhp = (options: DeployOptions) => syncFile({ ...options, path: 'php' });
    expect((await p.run(syncPhp)).code).toBe(0);
    const before = await readFile(join(p.deployDir('mw02'), 'php', 'index.php'), 'utf8');
    // When two files change and one is removed
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php // changed\n');
    await writeFile(join(p.stage, 'php', 'lib', 'a.php'), '<?php function a() { return 2; }\n');
    // Same size as before: rsync's quick check needs another modification time (an edit in the same second would not show).
    const later = new Date(Date.now() + 60_000);
    await utimes(join(p.stage, 'php', 'lib', 'a.php'), later, later);
    await rm(join(p.stage, 'php', 'gone.php'));
    const second = await p.run(syncPhp);
    // Then each host got 2 changed and 1 removed
    expect(second.code, second.text).toBe(0);
    expect(second.report.hosts.filter(sync('sync-hosts')).map((h) => [h.changed, h.removed])).toEqual([
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
    expect(await readFile(join(p.deployDir('mw02'), 'php', 'index.php'), 'utf8')).toBe('<?php // changed\n');
    // When mw03's file is changed by hand, then deploy rollback runs
    await writeFile(join(p.deployDir('mw03'), 'php', 'index.php'), 'hand edit\n');
    await utimes(join(p.deployDir('mw03'), 'php', 'index.php'), new Date(), new Date());
    const undo = await p.run(rollback);
    expect(undo.text).toMatch(/Putting back what run \S+ replaced on 4 hosts/);
    // Then mw02 has its old files back (and gone.php again), mw03 is skipped and untouched
    expect(await readFile(join(p.deployDir('mw02'), 'php', 'index.php'), 'utf8')).toBe(before);
    expect(await readFile(join(p.deployDir('mw02'), 'php', 'gone.php'), 'utf8')).toBe('<?php // removed later\n');
    const mw03 = undo.report.hosts.find((h) => h.host === 'mw03' && h.phase === 'sync-hosts');
    expect(mw03?.outcome).toBe('skipped');
    expect(String(mw03?.error)).toMatch(/changed since run/);
    expect(await readFile(join(p.deployDir('mw03'), 'php', 'index.php'), 'utf8')).toBe('hand edit\n');
  });

  it('in-place: a host whose tree changed keeps the backups of at least the last 20 runs, pruned back to 20 every fifth run', async () => {
    // Given mw02 in sync (a first run from this machine, which prunes), then holding the backups of 21 older runs (names sort before run ids, as older runs' do)
    const syncPhp = (options: DeployOptions) => syncFile({ ...options, path: 'php' });
    expect((await p.run(syncPhp)).code).toBe(0);
    const backups = join(p.deployDir('mw02'), '.deploy', 'backups');
    const old = Array.from({ length: 21 }, (_, index) => `0000-old-${String(index + 1).padStart(2, '0')}`);
    for (const name of old) await mkdir(join(backups, name, 'php'), { recursive: true });
    const kept = (await readdir(backups)).filter((name) => !name.startsWith('0000-old-'));
    // When a file changes and the folder is synced again, four times
    for (let run = 2; run <= 5; run++) {
      // A new size each time: rsync's quick check would pass a same-size file written within the same second.
      await writeFile(join(p.stage, 'php', 'index.php'), `<?php // changed in run ${run}${'!'.repeat(run)}\n`);
      const again = await p.run(syncPhp);
      expect(again.code, again.text).toBe(0);
      // Then nothing is pruned yet: each run's backups are added
      expect(await readdir(backups)).toHaveLength(21 + kept.length + run - 1);
    }
    // When it changes and is synced a fifth time since the last prune
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php // changed in run 6, the last\n');
    const sixth = await p.run(syncPhp);
    // Then mw02 keeps the 20 newest: this run's and the ones before it, the oldest gone
    expect(sixth.code, sixth.text).toBe(0);
    const after = (await readdir(backups)).sort();
    expect(after).toHaveLength(20);
    expect(after.filter((name) => name.startsWith('0000-old-'))).toEqual(old.slice(-(20 - kept.length - 5)));
    expect(sixth.text).not.toMatch(/could not remove/);
  });

  it('in-place: a host without the folder gets it whole, written into a new folder beside it and renamed into place; the next sync is the usual one', async () => {
    // Given mw02 holding what a killed run's new folder left (a read-only folder in it), and a transport that notes each sync
    const left = join(p.deployDir('mw02'), '.php.deploy-new-0000-killed');
    await mkdir(join(left, 'ro'), { recursive: true });
    await chmod(join(left, 'ro'), 0o555);
    const synced: Array<{ host: string; destination: string; newFolder: boolean; delayed: boolean }> = [];
    const local = createLocalTransport({ fleetDir: join(dir, 'fleet') });
    const probed: string[] = [];
    const transport: Transport = {
      ...local,
      syncTree: (host, options) => {
        synced.push({ host, destination: options.destination, newFolder: options.newFolder === true, delayed: options.backupDir !== undefined });
        return local.syncTree(host, options);
      },
      exec: (host, argv, options) => {
        if (argv[3] === 'deploy-probe-tree') probed.push(host);
        return local.exec(host, argv, options);
      },
    };
    const syncPhp = (options: DeployOptions) => syncFile({ ...options, path: 'php' });
    // When php/ is synced for the first time
    const first = await p.run(syncPhp, [], { transport });
    // Then every host got it through a new folder beside /srv/app/php, renamed into place, and nothing is left beside it
    expect(first.code, first.text).toBe(0);
    const byHost = (a: { host: string }, b: { host: string }) => a.host.localeCompare(b.host);
    expect(synced.sort(byHost).map((s) => [s.host, s.destination.replace(/-new-.*/, '-new-<run>'), s.newFolder])).toEqual(
      [...HOSTS].sort().map((host) => [host, '/srv/app/.php.deploy-new-<run>', true]),
    );
    for (const host of HOSTS) {
      expect(await readFile(join(p.deployDir(host), 'php', 'lib', 'a.php'), 'utf8'), host).toBe('<?php function a() { return 1; }\n');
      expect(
        (await readdir(p.deployDir(host))).filter((name) => name.includes('deploy-new')),
        host,
      ).toEqual([]);
    }
    expect(first.report.hosts.filter(sync('sync-hosts')).map((h) => h.changed)).toEqual([4, 4, 4]);
    // When a file changes and php/ is synced again
    synced.length = 0;
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php // changed\n');
    const again = await p.run(syncPhp, [], { transport });
    // Then it is the usual sync, into the folder itself, with this run's backups, and no host was asked first (this machine put the tree there)
    expect(again.code, again.text).toBe(0);
    expect(synced.map((s) => [s.destination, s.newFolder, s.delayed])).toEqual(HOSTS.map(() => ['/srv/app/php', false, true]));
    expect(probed).toHaveLength(HOSTS.length);
    // When mw03 loses the folder behind deploy's back, and php/ is synced again
    probed.length = 0;
    await rm(join(p.deployDir('mw03'), 'php'), { recursive: true });
    await writeFile(join(p.stage, 'php', 'index.php'), '<?php // changed twice\n');
    const third = await p.run(syncPhp, [], { transport });
    // Then the record was only a hint: mw03 got the whole tree by the usual sync, unasked
    expect(third.code, third.text).toBe(0);
    expect(probed).toEqual([]);
    expect(await readFile(join(p.deployDir('mw03'), 'php', 'lib', 'a.php'), 'utf8')).toBe('<?php function a() { return 1; }\n');
    expect(third.report.hosts.find((h) => h.host === 'mw03' && h.phase === 'sync-hosts')?.changed).toBe(4);
  });

  it('in-place: a first sync cut half-way leaves that host without the folder and without the new one', async () => {
    // Given a transport whose transfer to mw02 is cut once files have landed
    const local = createLocalTransport({ fleetDir: join(dir, 'fleet') });
    const transport: Transport = {
      ...local,
      syncTree: async (host, options) => {
        const result = await local.syncTree(host, options);
        if (host === 'mw02') throw new HostFailure('transfer', 'transfer failed: cut for the test');
        return result;
      },
    };
    // When php/ is synced for the first time
    const run = await p.run((options) => syncFile({ ...options, path: 'php' }), [], { transport });
    // Then mw02 failed and has neither the folder nor a new folder; mw03 has the tree
    expect(run.code).toBe(1);
    expect(run.report.hosts.find((h) => h.host === 'mw02' && h.phase === 'sync-hosts')?.outcome).toBe('failed');
    expect(await readdir(p.deployDir('mw02'))).not.toContain('php');
    expect((await readdir(p.deployDir('mw02'))).filter((name) => name.includes('deploy-new'))).toEqual([]);
    expect(await readFile(join(p.deployDir('mw03'), 'php', 'index.php'), 'utf8')).toContain('lib/a.php');
  });

  it('lint: a broken .json file ends the run before any host is touched', async () => {
    // Given a JSON file that does not parse
    await writeFile(join(p.stage, 'php', 'data.json'), '{"a": \n');
    // When the folder is synced
    const result = await p.run((options) => syncFile({ ...options, path: 'php' }));
    // Then it failed, with the file and the parser's message on the last line, and no host folder exists
    expect(result.code).toBe(1);
    expect(result.report.status).toBe('failed');
    expect(result.text.trim().split('\n').at(-1)).toMatch(/^\d\d:\d\d:\d\d Failed lint: php\/data\.json: .+ \(duration: /);
    await expect(stat(join(dir, 'fleet'))).rejects.toThrow();
  });
});
