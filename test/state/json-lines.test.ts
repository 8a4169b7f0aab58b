import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendJsonLine, parseJsonLines } from '../../src/state/json-lines.js';
import { Journal, loadResumePoint } from '../../src/state/journal.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs();

describe('appendJsonLine', () => {
  it('starts on a fresh line after a line cut short, so the new line stays whole', async () => {
    // Given a file whose last line was cut short by a full disk
    const path = join(await tempDir(), 'history.jsonl');
    await writeFile(path, '{"n":1}\n{"n":2,"cut');
    // When a value is appended
    appendJsonLine(path, { n: 3 });
    // Then the damaged line stays alone and the new one is whole
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2,"cut\n{"n":3}\n');
    const damaged: number[] = [];
    expect(parseJsonLines(readFileSync(path, 'utf8'), (line) => damaged.push(line))).toEqual([{ n: 1 }, { n: 3 }]);
    expect(damaged).toEqual([2]);
  });

  it('creates the file owner-only', async () => {
    const path = join(await tempDir(), 'history.jsonl');
    appendJsonLine(path, { n: 1 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('throws ENOSPC on a full disk (a symlink to /dev/full)', async () => {
    const path = join(await tempDir(), 'history.jsonl');
    await symlink('/dev/full', path);
    expect(() => appendJsonLine(path, { n: 1 })).toThrow(/ENOSPC/);
    // And the device itself was left as it was
    expect(statSync('/dev/full').mode & 0o777).toBe(0o666);
  });
});

describe('parseJsonLines', () => {
  it('skips blank lines quietly and reports every line that is not a JSON object', () => {
    const damaged: number[] = [];
    const values = parseJsonLines('{"a":1}\n\n[1]\nnot json\n{"b":2}\n"text"\n', (line) => damaged.push(line));
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
    expect(damaged).toEqual([3, 4, 6]);
  });
});

describe('the resume journal', () => {
  it('resumes past a damaged line, saying which line it skipped', async () => {
    // Given the journal of an interrupted run with a line cut short in the middle
    const dir = await tempDir();
    const path = join(dir, 'php-fpm-restart.jsonl');
    const header = { type: 'run', id: 'run-1', command: 'php-fpm-restart', startedAt: '2026-01-01T00:00:00.000Z' };
    const lines = [header, { type: 'host', phase: 'restart-hosts', host: 'a', outcome: 'ok' }].map((line) => JSON.stringify(line));
    await writeFile(path, `${lines[0]}\n{"type":"host","pha\n${lines[1]}\n`);
    // When the resume point is loaded
    const warnings: string[] = [];
    const point = loadResumePoint(path, { command: 'php-fpm-restart' }, (text) => warnings.push(text));
    // Then the hosts done are known, and the damaged line was reported
    expect(point.done.get('restart-hosts')).toEqual(new Set(['a']));
    expect(warnings).toEqual([`--resume: skipped a damaged line 2 of ${path}`]);
  });

  it('warns once, not once per line, when its lines cannot be written', async () => {
    // Given a journal started fine, then its file replaced by a full disk
    const dir = await tempDir();
    const path = join(dir, 'deploy.lock.journal', 'php-fpm-restart.jsonl');
    const warnings: string[] = [];
    const journal = new Journal(path, (text) => warnings.push(text));
    journal.start('run-1', { command: 'php-fpm-restart' }, new Date());
    expect(statSync(join(dir, 'deploy.lock.journal')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await rm(path);
    await symlink('/dev/full', path);
    // When hosts finish and the run ends
    journal.host({ phase: 'restart-hosts', host: 'a', outcome: 'ok' });
    journal.host({ phase: 'restart-hosts', host: 'b', outcome: 'ok' });
    journal.end('success');
    // Then one warning names the journal and the reason
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain('ENOSPC');
    expect(existsSync(path)).toBe(true);
  });
});
