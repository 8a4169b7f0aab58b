import { describe, expect, it } from 'vitest';
import type { HostContext } from '../../../src/rollout/types.js';
import { inPlaceTreeTask } from '../../../src/run/phases/tree-tasks.js';
import { type TreeSync, treeNames } from '../../../src/run/phases/tree-run.js';
import type { StagedTree } from '../../../src/run/prepare/staged-tree.js';
import type { SyncTreeOptions } from '../../../src/transport/types.js';
import { FakeFleet } from '../../../testing/fake-fleet.js';

const context: HostContext = { signal: new AbortController().signal, commandStarted: () => {}, activity: () => {}, retrying: () => {} };

describe('inPlaceTreeTask', () => {
  it("syncs each host with the staged tree's names, one map for every host, and counts its change", async () => {
    // Given a staged folder of a file, a link and a folder, and a transport that notes what it is asked
    const tree: StagedTree = {
      relativePath: 'php',
      root: 'folder',
      source: '/stage/php',
      destination: '/srv/app/php',
      files: 1,
      bytes: 3,
      links: 1,
      entries: [
        { path: 'lib', kind: 'dir', size: 0, mode: 0o755, mtimeMs: 0 },
        { path: 'lib/a.php', kind: 'file', size: 3, mode: 0o644, mtimeMs: 0 },
        { path: 'link', kind: 'link', size: 9, mode: 0o777, mtimeMs: 0, target: 'lib/a.php' },
      ],
      excluded: [],
    };
    const sync = {
      layout: 'in-place',
      delete: true,
      exclude: [],
      deployDir: '/srv/app',
      runId: 'r1',
      built: new Map(),
      names: treeNames(tree),
      knownHosts: new Set(),
    } as unknown as TreeSync;
    const asked: SyncTreeOptions[] = [];
    const fleet = new FakeFleet();
    fleet.syncTree = async (_host, options) => {
      asked.push(options);
      return { changed: ['lib/a.php'], created: [], removed: ['old.php'], bytesSent: 3 };
    };
    const task = inPlaceTreeTask(fleet, sync, tree);
    // When two hosts sync
    const results = [await task('mw01', context), await task('mw02', context)];
    // Then both were given the tree's names, each mapped to itself, in one map; and each host's counts are reported
    expect(asked[0]?.names?.files).toEqual(['lib/a.php', 'link']);
    expect([...(asked[0]?.names?.paths ?? [])]).toEqual([
      ['lib', 'lib'],
      ['lib/a.php', 'lib/a.php'],
      ['link', 'link'],
    ]);
    expect(asked[1]?.names).toBe(asked[0]?.names);
    expect(asked[0]?.backupDir).toBe('/srv/app/.deploy/backups/r1/php');
    expect(results).toEqual([
      { outcome: 'ok', transfer: { changed: 1, removed: 1, bytesSent: 3 } },
      { outcome: 'ok', transfer: { changed: 1, removed: 1, bytesSent: 3 } },
    ]);
  });
});
