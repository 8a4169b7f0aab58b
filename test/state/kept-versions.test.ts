import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepContent, pruneVersions, readKeptContent, readRunVersions, recordHostVersion, versionsFolder } from '../../src/state/kept-versions.js';
import { sha256 } from '../../src/lib/sha256.js';

let dir: string;
let folder: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-versions-'));
  folder = versionsFolder(join(dir, 'state', 'history.jsonl'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (text: string, mode = 0o644) => ({ content: Buffer.from(text), mode });

describe('kept versions', () => {
  it('live in versions/ beside the history file', () => {
    expect(folder).toBe(join(dir, 'state', 'versions'));
  });

  it('keep each distinct content once, owner-only, named by its sha256', async () => {
    // Given two hosts with the same old file and one with another
    // When all three are kept
    const kept = await Promise.all([keepContent(folder, file('old\n')), keepContent(folder, file('old\n')), keepContent(folder, file('other\n', 0o600))]);
    // Then two contents are stored, each once, readable by the owner only
    expect(kept).toEqual([
      { sha256: sha256(Buffer.from('old\n')), mode: 0o644 },
      { sha256: sha256(Buffer.from('old\n')), mode: 0o644 },
      { sha256: sha256(Buffer.from('other\n')), mode: 0o600 },
    ]);
    const objects = readdirSync(join(folder, 'objects')).filter((name) => !name.startsWith('.'));
    expect(objects.sort()).toEqual([sha256(Buffer.from('old\n')), sha256(Buffer.from('other\n'))].sort());
    for (const name of objects) expect(statSync(join(folder, 'objects', name)).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(join(folder, 'objects')).mode & 0o777).toBe(0o700);
  });

  it('keep "no file" as null, storing nothing', async () => {
    expect(await keepContent(folder, null)).toBeNull();
    expect(existsSync(join(folder, 'objects'))).toBe(false);
  });

  it('record each host a run changed and read the record back', async () => {
    // Given a run that replaced mw01's file and created mw02's
    const before = await keepContent(folder, file('v1\n'));
    const after = { sha256: sha256(Buffer.from('v2\n')), mode: 0o644 };
    recordHostVersion(folder, 'r1', { host: 'mw01', path: '/srv/a.php', before, after });
    recordHostVersion(folder, 'r1', { host: 'mw02', path: '/srv/a.php', before: null, after });
    // When the record is read / Then both hosts are there, and the kept content reads back
    const versions = readRunVersions(folder, 'r1', () => undefined);
    expect(versions).toEqual([
      { host: 'mw01', path: '/srv/a.php', before, after },
      { host: 'mw02', path: '/srv/a.php', before: null, after },
    ]);
    expect((await readKeptContent(folder, before!)).toString()).toBe('v1\n');
    expect(statSync(join(folder, 'runs', 'r1.jsonl')).mode & 0o777).toBe(0o600);
    expect(readRunVersions(folder, 'r2', () => undefined)).toBeUndefined();
  });

  it('never hand back a damaged copy', async () => {
    // Given a kept content altered on disk
    const kept = (await keepContent(folder, file('exact\n')))!;
    writeFileSync(join(folder, 'objects', kept.sha256), 'exacT\n');
    // When it is read / Then it is refused
    await expect(readKeptContent(folder, kept)).rejects.toThrow(/damaged/);
  });

  it('prune all but the newest runs, and the contents only they named', async () => {
    // Given 22 runs, each replacing "v<n>" with "v<n+1>"
    for (let n = 1; n <= 22; n += 1) {
      const before = await keepContent(folder, file(`v${n}\n`));
      recordHostVersion(folder, `2026112${String(n).padStart(2, '0')}`, {
        host: 'mw01',
        path: '/srv/a.php',
        before,
        after: { sha256: sha256(Buffer.from(`v${n + 1}\n`)), mode: 0o644 },
      });
    }
    // When pruned to the default 20 runs
    const removed = await pruneVersions(folder);
    // Then the two oldest runs and their old contents are gone, the rest kept
    expect(removed).toEqual({ runs: 2, contents: 2 });
    expect(readdirSync(join(folder, 'runs')).sort()[0]).toBe('202611203.jsonl');
    expect(existsSync(join(folder, 'objects', sha256(Buffer.from('v1\n'))))).toBe(false);
    expect(existsSync(join(folder, 'objects', sha256(Buffer.from('v3\n'))))).toBe(true);
    expect(await pruneVersions(folder)).toEqual({ runs: 0, contents: 0 });
  });
});
