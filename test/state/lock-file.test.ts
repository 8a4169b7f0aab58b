import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LockHeldError, UserError } from '../../src/errors.js';
import { acquireLock } from '../../src/state/lock-file.js';
import { currentHolder, type LockHolder } from '../../src/state/lock-holder.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

const MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/src/state/lock-file.js', import.meta.url))).href;
const HOLDER_MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/src/state/lock-holder.js', import.meta.url))).href;

async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

function holder(pid: number, command: string): LockHolder {
  return { user: userInfo().username, host: hostname(), pid, command, startedAt: new Date().toISOString() };
}

/** The first takeover guard of a stale holder (src/state/lock-takeover.ts names it so). */
function firstGuard(lockPath: string, stale: LockHolder): string {
  return `${lockPath}.takeover-${createHash('sha256')
    .update(`${JSON.stringify(stale)}\n`)
    .digest('hex')
    .slice(0, 16)}`;
}

describe('acquireLock', () => {
  it('refuses a lock_file whose folder does not exist (usage error naming lock_file and the folder), creating nothing', async () => {
    // Given a lock path in a folder that is not there (a typo)
    const dir = await tempDir();
    const path = join(dir, 'lokc', 'deploy.lock');
    // When the lock is taken / Then a usage error names the key and the folder
    let error: unknown;
    try {
      acquireLock(path, currentHolder('deploy test'), () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toContain('lock_file');
    expect((error as Error).message).toContain(join(dir, 'lokc'));
    // And nothing was created
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes the lock owner-only, and releases only a lock that is still its own', async () => {
    // Given a lock taken in an existing folder
    const dir = await tempDir();
    const path = join(dir, 'deploy.lock');
    const lock = acquireLock(path, currentHolder('deploy test'), () => undefined);
    // Then it is 0600, and only the lock is in the folder
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['deploy.lock']);
    // When another process's lock replaced it (say `deploy unlock --force` and a new run)
    const other = `${JSON.stringify({ ...holder(process.pid, 'deploy other'), nonce: 'another' })}\n`;
    await writeFile(path, other);
    lock.release();
    // Then that lock is left alone
    expect(readFileSync(path, 'utf8')).toBe(other);
  });

  it('takes over a stale lock whose takeover guard a crashed taker left, and leaves no guard behind', async () => {
    // Given a stale lock, and the guard of a taker that died while taking it over
    const dir = await tempDir();
    const path = join(dir, 'deploy.lock');
    const stale = holder(await deadPid(), 'deploy crashed');
    await writeFile(path, `${JSON.stringify(stale)}\n`);
    await writeFile(firstGuard(path, stale), `${JSON.stringify(holder(await deadPid(), 'deploy crashed taker'))}\n`);
    // When a run takes the lock
    const taken: LockHolder[] = [];
    const me = currentHolder('deploy test');
    const lock = acquireLock(path, me, (previous) => taken.push(previous));
    // Then it holds it, said it took over the stale holder, and only the lock is left
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(me);
    expect(taken).toEqual([stale]);
    expect(await readdir(dir)).toEqual(['deploy.lock']);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live process taking over a stale lock, then says another deploy is taking it over (exit 3)', async () => {
    // Given a stale lock whose takeover guard a live process (this one) holds
    const dir = await tempDir();
    const path = join(dir, 'deploy.lock');
    const stale = holder(await deadPid(), 'deploy crashed');
    await writeFile(path, `${JSON.stringify(stale)}\n`);
    await writeFile(firstGuard(path, stale), `${JSON.stringify(holder(process.pid, 'deploy taking over'))}\n`);
    // When another run tries to take the lock / Then it is refused with exit 3, the stale lock untouched
    let error: unknown;
    try {
      acquireLock(path, currentHolder('deploy test'), () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).exitCode).toBe(3);
    expect((error as Error).message).toContain(`taking over the stale lock ${path}: `);
    expect((error as Error).message).toContain(`pid ${process.pid} running "deploy taking over"`);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(stale);
  });
});

describe('isProcessAlive', () => {
  it.skipIf(process.getuid?.() !== 0)('counts a live process of another user as alive when not allowed to signal it (EPERM)', async () => {
    // Given an unprivileged user (nobody), who may not signal pid 1 (kill gives EPERM)
    const check = `import(${JSON.stringify(HOLDER_MODULE)}).then((m) => process.stdout.write(String(m.isProcessAlive(1))))`;
    // When that user asks whether pid 1 is alive
    const result = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', check], { reject: false });
    // Then it is
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('true');
  });
});

describe('readLockHolder', () => {
  it.skipIf(process.getuid?.() !== 0)('calls a lock another user may not read held (exit 3), not a usage error', async () => {
    // Given a lock of root's (owner-only), in a folder anyone may enter
    const dir = await tempDir();
    await chmod(dir, 0o755);
    const path = join(dir, 'deploy.lock');
    const lock = acquireLock(path, currentHolder('deploy as root'), () => undefined);
    try {
      // When another user (nobody) reads it
      const check = `import(${JSON.stringify(MODULE)}).then((m) => { try { m.readLockHolder(${JSON.stringify(path)}); } catch (error) { process.stdout.write(String(error.exitCode) + ' ' + error.message); } })`;
      const result = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', check], { reject: false });
      // Then it is told the lock is held: exit 3
      expect(result.stdout, result.stderr).toBe(`3 another user's deploy may hold the lock ${path}: it cannot be read (EACCES)`);
    } finally {
      lock.release();
    }
  });
});
