import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRsyncPull, proxyOrder, RSYNC_MISSING_STATUS, RSYNC_PULL_SCRIPT, rsyncUrl } from '../../src/remote-commands/rsync-pull.js';
import { renderCommand } from '../../src/transport/quote.js';
import { makeTempDir } from '../helpers/cli.js';
import { rsyncAvailable, startRsyncDaemon, type TestRsyncDaemon } from '../servers/rsync-daemon.js';

const options = {
  proxy: 'proxy1',
  module: 'deploy',
  relativePath: 'php/index.php',
  destination: '/srv/app/php/index.php',
  timeoutSeconds: 10,
  random: '0123456789ab',
};

describe('buildRsyncPull', () => {
  it('passes the URL, our temporary name, the destination and the timeout as arguments of a fixed script', () => {
    // Given a pull from proxy1's module deploy
    // When the command is built and rendered
    const argv = buildRsyncPull(options);
    // Then the script is constant and every value is its own quoted word
    expect(argv).toEqual([
      'sh',
      '-c',
      RSYNC_PULL_SCRIPT,
      'deploy-rsync-pull',
      'rsync://proxy1/deploy/php/index.php',
      '/srv/app/php/.index.php.deploy-0123456789ab.tmp',
      '/srv/app/php/index.php',
      '10',
    ]);
    expect(
      renderCommand(argv).endsWith(
        ' deploy-rsync-pull rsync://proxy1/deploy/php/index.php /srv/app/php/.index.php.deploy-0123456789ab.tmp /srv/app/php/index.php 10',
      ),
    ).toBe(true);
  });

  it('keeps a hostile path one word, never shell text', () => {
    // Given a path with shell syntax in it
    const argv = buildRsyncPull({ ...options, relativePath: "a b/$(touch x);'q'.php", destination: "/srv/app/a b/$(touch x);'q'.php" });
    // Then it appears only in the arguments, quoted, and the script is unchanged
    expect(argv[2]).toBe(RSYNC_PULL_SCRIPT);
    expect(renderCommand(argv)).toContain(`'rsync://proxy1/deploy/a b/$(touch x);'"'"'q'"'"'.php'`);
  });

  it('writes a daemon port and an IPv6 address the way rsync reads them', () => {
    expect(rsyncUrl({ proxy: '10.0.0.5', daemonPort: 8730, module: 'm', relativePath: '/x.php' })).toBe('rsync://10.0.0.5:8730/m/x.php');
    expect(rsyncUrl({ proxy: 'fd00::5', module: 'm', relativePath: 'x.php' })).toBe('rsync://[fd00::5]/m/x.php');
  });
});

describe('proxyOrder', () => {
  it('spreads targets evenly over the proxies, each then trying the others in turn', () => {
    // Given 5 targets and 2 proxies
    const order = proxyOrder(['t0', 't1', 't2', 't3', 't4'], ['p0', 'p1']);
    // Then first choices alternate and every target has both proxies
    expect([...order.values()]).toEqual([
      ['p0', 'p1'],
      ['p1', 'p0'],
      ['p0', 'p1'],
      ['p1', 'p0'],
      ['p0', 'p1'],
    ]);
    expect(proxyOrder(['t0'], []).get('t0')).toEqual([]);
  });
});

let daemon: TestRsyncDaemon | undefined;
let dir: string | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.skipIf(!rsyncAvailable())('the pull command against a real rsync daemon', () => {
  async function setUp(): Promise<{ target: string; pull: (relativePath: string) => string[] }> {
    dir = await makeTempDir('deploy-rsync-pull-');
    const served = join(dir, 'proxy');
    const target = join(dir, 'target');
    await mkdir(join(served, 'php'), { recursive: true });
    await mkdir(join(target, 'php'), { recursive: true });
    await writeFile(join(served, 'php', 'index.php'), 'new content\n');
    await writeFile(join(target, 'php', 'index.php'), 'old content\n');
    daemon = await startRsyncDaemon({ path: served });
    const d = daemon;
    return {
      target,
      pull: (relativePath) =>
        buildRsyncPull({ proxy: d.address, daemonPort: d.port, module: d.module, relativePath, destination: join(target, relativePath), timeoutSeconds: 10 }),
    };
  }

  it("replaces the file with the proxy's and leaves no temporary", async () => {
    // Given a target with the old file and a proxy serving the new one
    const { target, pull } = await setUp();
    // When the target runs the pull
    const [command, ...args] = pull('php/index.php');
    const result = await execa(command as string, args, { reject: false });
    // Then it exits 0, the file is the new one, and nothing else is in the folder
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(target, 'php', 'index.php'), 'utf8')).toBe('new content\n');
    expect(await readdir(join(target, 'php'))).toEqual(['index.php']);
  });

  it("creates the destination's folder when the target lacks it, as a direct write does", async () => {
    // Given a target that has never had anything under new/deeper/
    const { target, pull } = await setUp();
    await mkdir(join(dir!, 'proxy', 'new', 'deeper'), { recursive: true });
    await writeFile(join(dir!, 'proxy', 'new', 'deeper', 'file.php'), 'fresh\n');
    // When the target pulls new/deeper/file.php
    const [command, ...args] = pull('new/deeper/file.php');
    const result = await execa(command as string, args, { reject: false });
    // Then the folders are made and the file is in place, alone
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readFile(join(target, 'new', 'deeper', 'file.php'), 'utf8')).toBe('fresh\n');
    expect(await readdir(join(target, 'new', 'deeper'))).toEqual(['file.php']);
  });

  it('keeps the old file and no temporary when the proxy fails or lacks the file', async () => {
    // Given a proxy that does not have the file, then one that is down
    const { target, pull } = await setUp();
    const [command, ...args] = pull('php/missing.php');
    const missing = await execa(command as string, args, { reject: false });
    await writeFile(join(target, 'php', 'missing.php'), 'old\n');
    await daemon?.down();
    const [command2, ...args2] = pull('php/index.php');
    const down = await execa(command2 as string, args2, { reject: false });
    // Then both fail, the old files stay, and no temporary is left
    expect(missing.exitCode).not.toBe(0);
    expect(down.exitCode).not.toBe(0);
    expect(down.stderr).toMatch(/refused|failed to connect/i);
    expect(await readFile(join(target, 'php', 'index.php'), 'utf8')).toBe('old content\n');
    expect((await readdir(join(target, 'php'))).sort()).toEqual(['index.php', 'missing.php']);
  });

  it('says when the host has no rsync (exit 127)', async () => {
    // Given a PATH without rsync
    const { pull } = await setUp();
    const [command, ...args] = pull('php/index.php');
    expect(command).toBe('sh');
    // When the pull runs (sh by its full path: PATH finds nothing)
    const result = await execa('/bin/sh', args, { reject: false, env: { PATH: '/nonexistent' }, extendEnv: false });
    // Then it exits 127 naming rsync
    expect(result.exitCode).toBe(RSYNC_MISSING_STATUS);
    expect(result.stderr).toContain('rsync is not installed on this host');
  });
});
