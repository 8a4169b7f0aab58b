import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostContext } from '../../../src/rollout/types.js';
import { restoreTask } from '../../../src/run/phases/restore-task.js';
import { keepContent, type HostVersion } from '../../../src/state/kept-versions.js';
import { FakeFleet } from '../../../testing/fake-fleet.js';
import { sha256 } from '../../../src/lib/sha256.js';

const PATH = '/srv/app/a.php';
const context: HostContext = { signal: new AbortController().signal, commandStarted: () => {}, activity: () => {}, retrying: () => {} };
let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'deploy-restore-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function fleetWith(files: Record<string, string>): FakeFleet {
  const fleet = new FakeFleet();
  for (const [host, text] of Object.entries(files)) fleet.files.set(host, new Map([[PATH, { content: Buffer.from(text), mode: 0o644 }]]));
  return fleet;
}

describe('restoreTask', () => {
  it('puts back the kept file, removes one that was new, and leaves alone a host changed since or not changed by the run', async () => {
    // Given run r1 that replaced "old" by "new" on mw01 and created the file on mw02; mw03 was edited by hand since
    const after = { sha256: sha256(Buffer.from('new')), mode: 0o644 };
    const before = await keepContent(folder, { content: Buffer.from('old'), mode: 0o600 });
    const versions = new Map<string, HostVersion>([
      ['mw01', { host: 'mw01', path: PATH, before, after }],
      ['mw02', { host: 'mw02', path: PATH, before: null, after }],
      ['mw03', { host: 'mw03', path: PATH, before, after }],
    ]);
    const fleet = fleetWith({ mw01: 'new', mw02: 'new', mw03: 'edited by hand', mw04: 'new' });
    const task = restoreTask(fleet, { runId: 'r1', folder, versions });
    // When each host is restored
    const results = Object.fromEntries(await Promise.all(['mw01', 'mw02', 'mw03', 'mw04'].map(async (host) => [host, await task(host, context)] as const)));
    // Then mw01 has its old file and mode, mw02 none, mw03 and mw04 are untouched and skipped with the reason
    expect(fleet.files.get('mw01')?.get(PATH)).toEqual({ content: Buffer.from('old'), mode: 0o600 });
    expect(fleet.files.get('mw02')?.has(PATH)).toBe(false);
    expect(fleet.files.get('mw03')?.get(PATH)?.content.toString()).toBe('edited by hand');
    expect(results).toEqual({
      mw01: { outcome: 'ok' },
      mw02: { outcome: 'ok' },
      mw03: { outcome: 'skipped', error: 'changed since run r1: the file has other content' },
      mw04: { outcome: 'skipped', error: 'run r1 did not change its file' },
    });
  });
});
