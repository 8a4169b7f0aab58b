import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pidAlive, processesMentioning } from './leftovers.js';
import { canBind } from './ports.js';
import { rsyncAvailable, rsyncGreets, startRsyncDaemon } from './rsync-daemon.js';
import { runCommand } from './service-process.js';

const available = rsyncAvailable();
if (!available && process.env.CI) throw new Error('the service harness tests need rsync (see test/servers/ci-install.sh)');

describe.skipIf(!available)('rsync daemon harness', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'rsync-daemon-test-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('serves a file of its folder to `rsync rsync://127.0.0.1:<port>/deploy/x`, read-only, and leaves nothing on stop', async () => {
    // Given a folder with a file, served as module "deploy"
    await mkdir(path.join(work, 'served', 'sub'), { recursive: true });
    await writeFile(path.join(work, 'served', 'sub', 'x'), 'hello from the daemon\n');
    const daemon = await startRsyncDaemon({ path: path.join(work, 'served') });
    const pid = daemon.pid;
    try {
      console.log(`rsync daemon ready after ${daemon.readyMs} ms`);
      expect(daemon.url).toBe(`rsync://127.0.0.1:${daemon.port}/deploy/`);
      // When a client fetches the file
      const fetched = await runCommand('rsync', [`rsync://127.0.0.1:${daemon.port}/deploy/sub/x`, path.join(work, 'y')]);
      // Then it arrives intact, and the daemon logged the transfer
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(await readFile(path.join(work, 'y'), 'utf8')).toBe('hello from the daemon\n');
      expect(await daemon.log()).toMatch(/sub\/x/);
      // And the module is listed but refuses uploads
      expect((await runCommand('rsync', [`rsync://127.0.0.1:${daemon.port}/`])).stdout).toMatch(/^deploy\b/m);
      const upload = await runCommand('rsync', [path.join(work, 'y'), `rsync://127.0.0.1:${daemon.port}/deploy/z`]);
      expect(upload.code).not.toBe(0);
      expect(upload.stderr).toMatch(/read only/i);
      expect(existsSync(path.join(work, 'served', 'z'))).toBe(false);
    } finally {
      await daemon.stop();
    }
    // Then no daemon (nor a per-connection child), port or folder is left
    expect(pidAlive(pid)).toBe(false);
    expect(processesMentioning(daemon.dir)).toEqual([]);
    expect(existsSync(daemon.dir)).toBe(false);
    expect(await canBind('127.0.0.1', daemon.port)).toBe(true);
    await daemon.stop(); // idempotent
  });

  it('can be taken down (clients are refused) and brought back on the same port', async () => {
    // Given a running daemon with another module name on another loopback address
    await writeFile(path.join(work, 'f'), 'v1');
    const daemon = await startRsyncDaemon({ path: work, module: 'static', address: '127.0.0.9' });
    try {
      const source = `rsync://127.0.0.9:${daemon.port}/static/f`;
      expect((await runCommand('rsync', [source, path.join(work, 'g')])).code).toBe(0);
      // When it is down, Then a client fails to connect
      await daemon.down();
      expect(await rsyncGreets('127.0.0.9', daemon.port)).toBe(false);
      const refused = await runCommand('rsync', ['--contimeout=2', source, path.join(work, 'h')]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/refused|failed to connect/i);
      // When it is up again, Then the same URL works
      await daemon.up();
      expect((await runCommand('rsync', [source, path.join(work, 'h')])).code).toBe(0);
    } finally {
      await daemon.stop();
    }
  });

  it('refuses a module path that does not exist, before starting anything', async () => {
    // Given / When / Then
    await expect(startRsyncDaemon({ path: path.join(work, 'missing') })).rejects.toThrow(/does not exist/);
    await expect(startRsyncDaemon({ path: work, address: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.0\/8/);
  });
});
