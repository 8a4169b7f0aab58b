import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocalProcess } from '../../src/transport/local-process.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

/** Block this thread (no event loop turn) until `done()` or `limitMs`; whether `done()` came true. */
function blockUntil(done: () => boolean, limitMs: number): boolean {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (done()) return true;
    Atomics.wait(cell, 0, 0, 20);
  }
  return done();
}

describe('runLocalProcess: stdoutFile', () => {
  const tempDir = useTempDirs();

  it('a child printing far more than a pipe holds runs to its end while the event loop is busy', async () => {
    // Given a child that prints 2 MB, then leaves a mark, its stdout sent to a file
    const dir = await tempDir('deploy-local-process-');
    const listed = join(dir, 'listing');
    const mark = join(dir, 'mark');
    let started: () => void = () => undefined;
    const start = new Promise<void>((resolve) => (started = resolve));
    const running = runLocalProcess('/bin/sh', ['-c', 'head -c 2000000 /dev/zero | tr "\\0" x; echo; : > "$0"', mark], {
      cwd: dir,
      signal: new AbortController().signal,
      stdoutFile: listed,
      onStart: () => started(),
    });
    await start;

    // When this process's event loop does not turn (as while ssh2 loads and hosts connect)
    const finished = blockUntil(() => existsSync(mark), 10_000);

    // Then the child got to its end meanwhile (with a pipe it waits at 64 KiB), and all it printed is in the file, owner-only
    expect(finished).toBe(true);
    const run = await running;
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    expect(await readFile(listed, 'utf8')).toBe(`${'x'.repeat(2_000_000)}\n`);
    expect((await stat(listed)).mode & 0o777).toBe(0o600);
  }, 20_000);

  it('refuses a file that already exists, running nothing', async () => {
    // Given a file where the output would go
    const dir = await tempDir('deploy-local-process-');
    const listed = join(dir, 'listing');
    const mark = join(dir, 'mark');
    await writeFile(listed, 'kept');

    // When a process is asked to write its stdout there
    const run = runLocalProcess('/bin/sh', ['-c', ': > "$0"', mark], { cwd: dir, signal: new AbortController().signal, stdoutFile: listed });

    // Then it is refused, the file is untouched and nothing ran
    await expect(run).rejects.toThrow(/EEXIST/);
    expect(await readFile(listed, 'utf8')).toBe('kept');
    expect(existsSync(mark)).toBe(false);
  });
});
