import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dirs.js';
import { execa } from 'execa';

const tempDir = useTempDirs();

/**
 * The lock under contention, between real processes of the built module (dist/, built by
 * `npm test`): SPEC "What a run never does": at most one run holds the lock, stale lock
 * takeovers included.
 */
const MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/src/state/lock-file.js', import.meta.url))).href;
const RACER = fileURLToPath(new URL('./lock-racer.mjs', import.meta.url));
const FLICKER = fileURLToPath(new URL('./lock-flicker.mjs', import.meta.url));

type Message = { type: 'ready' } | { type: 'released' } | { type: 'result'; acquired: boolean; exitCode?: number; message?: string };

let children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children = [];
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

/** Resolves with the next message of `type` from each child. */
function nextFromEach<T extends Message['type']>(racers: ChildProcess[], type: T): Promise<Array<Extract<Message, { type: T }>>> {
  return Promise.all(
    racers.map(
      (child) =>
        new Promise<Extract<Message, { type: T }>>((resolve, reject) => {
          const onExit = (code: number | null): void => reject(new Error(`racer exited with ${String(code)}`));
          const onMessage = (message: Message): void => {
            if (message.type !== type) return;
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(message as Extract<Message, { type: T }>);
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
        }),
    ),
  );
}

describe('the lock file under contention', () => {
  it('lets exactly one of several processes racing on a stale lock hold it, round after round', async () => {
    // Given 6 processes ready to race for one lock file
    const dir = await tempDir('deploy-lock-race-');
    const lockPath = join(dir, 'deploy.lock');
    const racers = Array.from({ length: 6 }, () => fork(RACER, [MODULE, lockPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    children = racers;
    await nextFromEach(racers, 'ready');
    const holdersPerRound: number[] = [];
    const refusals = new Set<string>();
    for (let round = 0; round < 25; round++) {
      // And a stale lock: its holder was a process of this host that is gone
      const stale = { user: userInfo().username, host: hostname(), pid: await deadPid(), command: 'deploy crashed', startedAt: new Date().toISOString() };
      await writeFile(lockPath, `${JSON.stringify(stale)}\n`);
      // When they all try to take it at the same instant, and the winners hold it until all have tried
      const results = nextFromEach(racers, 'result');
      const at = Date.now() + 150;
      for (const racer of racers) racer.send({ type: 'round', at });
      const outcome = await results;
      const holders = racers.filter((_, index) => outcome[index]?.acquired);
      holdersPerRound.push(holders.length);
      for (const result of outcome) if (!result.acquired) refusals.add(`exit ${String(result.exitCode)}`);
      const released = nextFromEach(holders, 'released');
      for (const holder of holders) holder.send({ type: 'release' });
      await released;
      // Then the lock is gone once its holder released it
      expect(existsSync(lockPath), `round ${round}`).toBe(false);
    }
    // Then every round had exactly one holder, and the others were told the lock is held (exit 3)
    expect(holdersPerRound).toEqual(Array.from({ length: 25 }, () => 1));
    expect([...refusals]).toEqual(['exit 3']);
    // And no temporary file or takeover guard is left behind
    expect(await readdir(dir)).toEqual([]);
  }, 120_000);

  it('never shows a reader a lock file without its whole holder in it', async () => {
    // Given one process taking and releasing the lock in a loop, and one reading it in a loop
    const dir = await tempDir('deploy-lock-flicker-');
    const lockPath = join(dir, 'deploy.lock');
    const run = (role: string) => execa(process.execPath, [FLICKER, MODULE, lockPath, role, '3000'], { reject: false });
    // When both run for 3 seconds
    const [holder, reader] = await Promise.all([run('hold'), run('read')]);
    // Then the reader never saw an empty or cut lock file
    expect(holder.exitCode, holder.stderr).toBe(0);
    expect(reader.exitCode, reader.stderr).toBe(0);
    const held = JSON.parse(holder.stdout) as { cycles: number };
    const read = JSON.parse(reader.stdout) as { cycles: number; partial: number };
    expect(held.cycles).toBeGreaterThan(100);
    expect(read.partial).toBe(0);
  }, 60_000);
});
