import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertLoopback, canBind, portRange, reservePorts } from './ports.js';

describe('test ports', () => {
  let lockDir: string;
  let base: number;
  beforeEach(async () => {
    lockDir = await mkdtemp(path.join(os.tmpdir(), 'ports-test-'));
    // Three consecutive free ports below the default range (a private lock folder, real binds).
    for (base = 19_000; base < 19_900; base += 3) {
      if ((await Promise.all([0, 1, 2].map((i) => canBind('127.0.0.1', base + i)))).every(Boolean)) break;
    }
  });
  afterEach(async () => {
    await rm(lockDir, { recursive: true, force: true });
  });

  it('reserves distinct free ports of the range, holding a lock file each until release', async () => {
    // Given an empty lock folder and a range of 3 ports
    // When two reservations are made one after the other
    const a = await reservePorts(2, { range: { base, span: 3 }, lockDir });
    const b = await reservePorts(1, { range: { base, span: 3 }, lockDir });
    // Then they do not overlap, and each port has a lock file with our pid
    expect(new Set([...a.ports, ...b.ports]).size).toBe(3);
    for (const p of [...a.ports, ...b.ports]) expect(readFileSync(path.join(lockDir, String(p)), 'utf8').trim()).toBe(String(process.pid));
    // When the first is released (twice: idempotent), its lock files are gone and its ports come back
    a.release();
    a.release();
    for (const p of a.ports) expect(existsSync(path.join(lockDir, String(p)))).toBe(false);
    const c = await reservePorts(2, { range: { base, span: 3 }, lockDir });
    expect(c.ports.sort()).toEqual(a.ports.sort());
    b.release();
    c.release();
  });

  it("skips a port something listens on, and a port locked by a live process, but takes over a dead owner's lock", async () => {
    // Given a listener on base, a live lock on base+1 (our parent) and a dead one on base+2
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: base }, resolve));
    writeFileSync(path.join(lockDir, String(base + 1)), `${process.ppid}\n`);
    writeFileSync(path.join(lockDir, String(base + 2)), '2147483646\n');
    try {
      // When one port is reserved from these three
      const r = await reservePorts(1, { range: { base, span: 3 }, lockDir });
      // Then it is base+2, now locked by us
      expect(r.ports).toEqual([base + 2]);
      expect(readFileSync(path.join(lockDir, String(base + 2)), 'utf8').trim()).toBe(String(process.pid));
      r.release();
      // And the live lock was left alone
      expect(readFileSync(path.join(lockDir, String(base + 1)), 'utf8').trim()).toBe(String(process.ppid));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails with the range in the message when there are not enough free ports', async () => {
    // Given a span of 2 ports with one listened on
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: base }, resolve));
    try {
      // When 2 are asked for, Then it fails, naming the variables to change, and keeps no lock
      await expect(reservePorts(2, { range: { base, span: 2 }, lockDir })).rejects.toThrow(/only found 1 of 2 .*DEPLOY_TEST_PORT_BASE/);
      expect(existsSync(path.join(lockDir, String(base + 1)))).toBe(false);
      expect(await canBind('127.0.0.1', base)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads the range from the environment and accepts only loopback addresses', () => {
    // Given / When / Then
    expect(portRange({})).toEqual({ base: 20_000, span: 2_000 });
    expect(portRange({ DEPLOY_TEST_PORT_BASE: '31000', DEPLOY_TEST_PORT_SPAN: '50' })).toEqual({ base: 31_000, span: 50 });
    expect(() => portRange({ DEPLOY_TEST_PORT_BASE: 'x' })).toThrow(/integer/);
    expect(() => portRange({ DEPLOY_TEST_PORT_BASE: '65500', DEPLOY_TEST_PORT_SPAN: '100' })).toThrow(/outside/);
    expect(() => assertLoopback('127.0.1.2')).not.toThrow();
    for (const bad of ['0.0.0.0', '10.0.0.1', 'localhost', '127.0.0.256', '::1']) expect(() => assertLoopback(bad)).toThrow(/127\.0\.0\.0\/8/);
  });
});
