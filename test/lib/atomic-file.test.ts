import { spawnSync } from 'node:child_process';
import { openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/lib/atomic-file.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

const MODULE = fileURLToPath(new URL('../../dist/src/lib/atomic-file.js', import.meta.url));
const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('writeFileAtomically', () => {
  it('puts a new file in place (a new inode) and never rewrites the old one under a reader', async () => {
    // Given a file a reader has open
    const dir = await tempDir();
    const path = join(dir, 'restart-durations.json');
    await writeFile(path, 'old content\n');
    const before = statSync(path).ino;
    const reader = openSync(path, 'r');
    try {
      // When it is replaced
      const result = await writeFileAtomically(path, Buffer.from('new content, longer\n'), 0o600);
      // Then the path names a new file with the new content and mode, and no temporary is left
      expect(result).toEqual({ changed: true });
      expect(statSync(path).ino).not.toBe(before);
      expect(readFileSync(path, 'utf8')).toBe('new content, longer\n');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(await readdir(dir)).toEqual(['restart-durations.json']);
      // And the reader still reads the whole old content
      const buffer = Buffer.alloc(64);
      expect(buffer.subarray(0, readSync(reader, buffer, 0, 64, 0)).toString()).toBe('old content\n');
    } finally {
      closeSync(reader);
    }
  });

  it('leaves an identical file alone', async () => {
    const dir = await tempDir();
    const path = join(dir, 'same.txt');
    await writeFileAtomically(path, Buffer.from('x\n'), 0o600);
    const before = statSync(path).ino;
    expect(await writeFileAtomically(path, Buffer.from('x\n'), 0o600)).toEqual({ changed: false });
    expect(statSync(path).ino).toBe(before);
  });

  it.skipIf(!hasStrace)('flushes the temporary file to disk before renaming it, then the folder (seen with strace)', async () => {
    // Given the built module, traced
    const dir = await tempDir();
    const path = join(dir, 'history-state.json');
    const trace = join(dir, 'trace');
    const script = `import(${JSON.stringify(MODULE)}).then((m) => m.writeFileAtomically(${JSON.stringify(path)}, Buffer.from('data\\n'), 0o600))`;
    // When it writes a file
    const result = await execa(
      'strace',
      ['-f', '-qq', '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2', '-o', trace, process.execPath, '-e', script],
      { reject: false },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    // Then: open the temporary (fd N), fsync(N), rename it over the path, open the folder, fsync it
    const calls = readFileSync(trace, 'utf8')
      .split('\n')
      .map((line) => line.replace(/^\d+\s+/, ''));
    const opened = calls.findIndex((call) => call.startsWith('openat(') && call.includes(`${dir}/.history-state.json.deploy-`) && call.includes('O_CREAT'));
    expect(opened, calls.join('\n')).toBeGreaterThanOrEqual(0);
    const fd = /= (\d+)$/.exec(calls[opened] as string)?.[1];
    const synced = calls.findIndex((call, index) => index > opened && new RegExp(`^f(data)?sync\\(${fd}\\)\\s+= 0`).test(call));
    const renamed = calls.findIndex((call) => /^rename(at2?)?\(/.test(call) && call.includes(`"${path}"`));
    expect(synced, calls.join('\n')).toBeGreaterThan(opened);
    expect(renamed, calls.join('\n')).toBeGreaterThan(synced);
    const folderOpened = calls.findIndex((call, index) => index > renamed && call.startsWith(`openat(AT_FDCWD, "${dir}", O_RDONLY`));
    expect(folderOpened, calls.join('\n')).toBeGreaterThan(renamed);
    const folderFd = /= (\d+)$/.exec(calls[folderOpened] as string)?.[1];
    expect(calls.slice(folderOpened).some((call) => new RegExp(`^f(data)?sync\\(${folderFd}\\)\\s+= 0`).test(call))).toBe(true);
  });
});
