import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { etcdAvailable, startEtcd } from './etcd.js';
import { pidAlive, processesMentioning } from './leftovers.js';
import { canBind } from './ports.js';

const available = etcdAvailable();
if (!available && process.env.CI) throw new Error('the service harness tests need etcd and etcdctl (see test/servers/ci-install.sh)');

describe.skipIf(!available)('etcd harness', () => {
  it('starts a healthy etcd where etcdctl put/get work, and leaves nothing behind on stop', async () => {
    // Given a fresh etcd
    const etcd = await startEtcd();
    const pid = etcd.pid;
    try {
      console.log(`etcd ready after ${etcd.readyMs} ms`);
      expect(etcd.endpoint).toBe(`http://127.0.0.1:${etcd.clientPort}`);
      // When a key is put and read back with etcdctl (API v3)
      const put = await etcd.etcdctl(['put', '/deploy/lock', 'held by mw01']);
      const get = await etcd.etcdctl(['get', '/deploy/lock', '--print-value-only']);
      // Then both succeed and the value comes back
      expect(put).toMatchObject({ code: 0, stdout: 'OK\n' });
      expect(get).toMatchObject({ code: 0, stdout: 'held by mw01\n' });
      // And the environment for one's own etcdctl points at it
      expect(etcd.etcdctlEnv).toEqual({ ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: etcd.endpoint });
    } finally {
      await etcd.stop();
    }
    // Then its process, ports and folder are gone
    expect(pidAlive(pid)).toBe(false);
    expect(processesMentioning(etcd.dir)).toEqual([]);
    expect(existsSync(etcd.dir)).toBe(false);
    expect(await canBind('127.0.0.1', etcd.clientPort)).toBe(true);
    expect(await canBind('127.0.0.1', etcd.peerPort)).toBe(true);
    await etcd.stop(); // idempotent
  });

  it('can be taken down and brought back on the same data (restart keeps the keys)', async () => {
    // Given an etcd holding a key
    const etcd = await startEtcd();
    try {
      expect((await etcd.etcdctl(['put', 'k', 'v1'])).code).toBe(0);
      const firstPid = etcd.pid;
      // When it is down, Then clients fail, within their own timeout
      await etcd.down();
      expect(pidAlive(firstPid)).toBe(false);
      const whileDown = await etcd.etcdctl(['--dial-timeout=1s', '--command-timeout=2s', 'get', 'k']);
      expect(whileDown.code).not.toBe(0);
      // When it is up again, Then the key is still there, served by a new process
      await etcd.up();
      expect(etcd.pid).not.toBe(firstPid);
      expect((await etcd.etcdctl(['get', 'k', '--print-value-only'])).stdout).toBe('v1\n');
      // And restart() does the same in one call
      await etcd.restart();
      expect((await etcd.etcdctl(['get', 'k', '--print-value-only'])).stdout).toBe('v1\n');
      console.log(`etcd ready after restart in ${etcd.readyMs} ms`);
    } finally {
      await etcd.stop();
    }
    expect(existsSync(etcd.dir)).toBe(false);
    await expect(etcd.up()).rejects.toThrow(/already stopped/);
  });

  it('two etcds side by side get different ports', async () => {
    // Given / When two are started at once
    const [a, b] = await Promise.all([startEtcd(), startEtcd()]);
    try {
      // Then their ports differ and each holds its own data
      expect(new Set([a.clientPort, a.peerPort, b.clientPort, b.peerPort]).size).toBe(4);
      await a.etcdctl(['put', 'who', 'a']);
      expect((await b.etcdctl(['get', 'who', '--print-value-only'])).stdout).toBe('');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
