import { describe, expect, it } from 'vitest';
import type { HostContext } from '../../../src/rollout/types.js';
import type { ExecutionResult } from '../../../src/run/phases/phase-run.js';
import { keepHostsTidy } from '../../../src/run/phases/tree-housekeeping.js';
import { inPlaceTreeTask } from '../../../src/run/phases/tree-tasks.js';
import { type TreeSync, treeNames } from '../../../src/run/phases/tree-run.js';
import type { StagedTree } from '../../../src/run/prepare/staged-tree.js';
import { HostFailure, type SyncTreeOptions } from '../../../src/transport/types.js';
import { FakeFleet } from '../../../testing/fake-fleet.js';

const context: HostContext = { signal: new AbortController().signal, commandStarted: () => {}, activity: () => {}, retrying: () => {} };

/** An in-place run's tree sync of `tree` to /srv/app, run r1, knowing `knownHosts` have it; a run that prunes old backups unless told. */
function inPlaceSync(tree: StagedTree, knownHosts: ReadonlySet<string> = new Set(), pruneBackups = true): TreeSync {
  const sync = { layout: 'in-place', delete: true, exclude: [], deployDir: '/srv/app', runId: 'r1', built: new Map() };
  return { ...sync, names: treeNames(tree), knownHosts, tidying: [], pruneBackups } as unknown as TreeSync;
}

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
    const sync = inPlaceSync(tree);
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

  it("prunes a changed host's old backups beside the window: the host's task ends first, the run's tidying waits for it", async () => {
    // Given a host the machine knows has the tree (no probe), whose prune of old backups takes a while
    const tree = { relativePath: 'php', root: 'folder', source: '/stage/php', destination: '/srv/app/php', entries: [], excluded: [] } as unknown as StagedTree;
    const sync = inPlaceSync(tree, new Set(['mw01']));
    const fleet = new FakeFleet();
    fleet.syncTree = async () => ({ changed: ['a.php'], created: [], removed: [], bytesSent: 3 });
    let pruned = false;
    fleet.exec = async (_host, argv) => {
      expect(argv[3]).toBe('deploy-prune-backups');
      await new Promise((resolve) => setTimeout(resolve, 200));
      pruned = true;
      return { exitCode: 0, stdout: '', stderr: '', truncated: false };
    };
    // When its sync task runs
    const done = await inPlaceTreeTask(fleet, sync, tree)('mw01', context);
    // Then the task is done while the prune still runs, and the prune is among what the run waits for
    expect(done.outcome).toBe('ok');
    expect(pruned).toBe(false);
    expect(sync.tidying).toHaveLength(1);
    await Promise.all(sync.tidying);
    expect(pruned).toBe(true);
  });

  it('in a run that does not prune (four in five), a changed host gets no second command', async () => {
    // Given a known host, in a run that does not prune old backups
    const tree = { relativePath: 'php', root: 'folder', source: '/stage/php', destination: '/srv/app/php', entries: [], excluded: [] } as unknown as StagedTree;
    const sync = inPlaceSync(tree, new Set(['mw01']), false);
    const fleet = new FakeFleet();
    fleet.syncTree = async () => ({ changed: ['a.php'], created: [], removed: [], bytesSent: 3 });
    const commands: string[][] = [];
    fleet.exec = async (_host, argv) => {
      commands.push([...argv]);
      return { exitCode: 0, stdout: '', stderr: '', truncated: false };
    };
    // When its tree changes
    const done = await inPlaceTreeTask(fleet, sync, tree)('mw01', context);
    // Then its sync was all it was asked: no prune, nothing for the run to wait for
    expect(done.outcome).toBe('ok');
    expect(commands).toEqual([]);
    expect(sync.tidying).toEqual([]);
  });

  it('warns once, after the run, of the hosts whose prune failed, each with the last line it said', async () => {
    // Given two known hosts whose prune fails in two ways, and one whose prune works
    const tree = { relativePath: 'php', root: 'folder', source: '/stage/php', destination: '/srv/app/php', entries: [], excluded: [] } as unknown as StagedTree;
    const sync = inPlaceSync(tree, new Set(['mw01', 'mw02', 'mw03']));
    const fleet = new FakeFleet();
    fleet.syncTree = async () => ({ changed: ['a.php'], created: [], removed: [], bytesSent: 3 });
    fleet.exec = async (host) => {
      if (host === 'mw02') throw new HostFailure('connection-lost', 'mw02: connection lost');
      return { exitCode: host === 'mw01' ? 1 : 0, stdout: '', stderr: 'rm: a line\nrm: cannot remove x: Permission denied\n', truncated: false };
    };
    // When the three sync, then the run tidies up
    for (const host of ['mw01', 'mw02', 'mw03']) await inPlaceTreeTask(fleet, sync, tree)(host, context);
    const warned: string[] = [];
    const input = { transport: fleet, sync, keepReleases: 5, concurrency: 2, stop: new AbortController().signal, warn: (text: string) => warned.push(text) };
    await keepHostsTidy({ phases: [] } as unknown as ExecutionResult, input);
    // Then one warning names both failed hosts and why
    expect(warned).toEqual(['could not remove old backups on 2 hosts: mw01 (rm: cannot remove x: Permission denied), mw02 (mw02: connection lost)']);
  });
});
