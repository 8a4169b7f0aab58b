import { describe, expect, it } from 'vitest';
import { proxyOrder } from '../../../src/remote-commands/rsync-pull.js';
import type { HostContext } from '../../../src/rollout/types.js';
import { proxyTreeTask } from '../../../src/run/phases/proxy-tree-task.js';
import type { TreeRecorder } from '../../../src/run/phases/tree-recorder.js';
import { type TreeSync, treeNames } from '../../../src/run/phases/tree-run.js';
import type { StagedTree } from '../../../src/run/prepare/staged-tree.js';
import { OutputBuffer } from '../../../src/transport/output-buffer.js';
import type { ExecResult, SyncTreeResult, Transport } from '../../../src/transport/types.js';

const tree: StagedTree = {
  relativePath: 'php',
  root: 'folder',
  source: '/stage/php',
  destination: '/srv/app/php',
  files: 0,
  bytes: 0,
  links: 0,
  entries: [],
  excluded: [],
};

/** A transport whose pulls print `stdout` as a real one does: all of it to onOutput, in pieces; the result's copy cut at the cap. */
function pullPrinting(stdout: string): Transport {
  return {
    name: 'stub',
    async exec(_host, _argv, options): Promise<ExecResult> {
      const kept = new OutputBuffer();
      for (let start = 0; start < stdout.length; start += 16 * 1024) {
        const piece = stdout.slice(start, start + 16 * 1024);
        kept.push(piece);
        options.onOutput?.('stdout', piece);
      }
      return { exitCode: 0, stdout: kept.text(), stderr: '', truncated: kept.truncated };
    },
    async writeFile() {
      throw new Error('this stub writes no files');
    },
    async readFile() {
      return null;
    },
    async removeFile() {
      return { changed: false };
    },
    async syncTree() {
      throw new Error('this stub syncs no trees from here');
    },
    commandPath: (_host: string, path: string) => path,
    async close() {},
  };
}

const context: HostContext = { signal: new AbortController().signal, commandStarted: () => {}, activity: () => {}, retrying: () => {} };

describe('proxyTreeTask', () => {
  it('counts and records every item of a pull whose output runs far past the output cap', async () => {
    // Given a first pull of 5,000 files and 2,000 removals: ~400 KB of item lines, the result's stdout cut at 64 KiB
    const names = Array.from({ length: 5000 }, (_, i) => `lib/a-rather-long-file-name-${String(i).padStart(5, '0')}.php`);
    const gone = Array.from({ length: 2000 }, (_, i) => `old/removed-file-${String(i).padStart(5, '0')}.php`);
    const stdout = [
      'deploy-item cd+++++++++ lib/',
      ...names.map((name) => `deploy-item >f+++++++++ ${name}`),
      ...gone.map((name) => `deploy-item *deleting   ${name}`),
      '',
      'Total bytes sent: 1,234',
      '',
    ].join('\n');
    const recorded: SyncTreeResult[] = [];
    const recorder: TreeRecorder = {
      async inPlace(_host, result) {
        recorded.push(result);
      },
      release() {},
      recorded: () => true,
    };
    const sync: TreeSync = {
      layout: 'in-place',
      tree,
      delete: true,
      exclude: [],
      deployDir: '/srv/app',
      stageRoot: '/stage',
      runId: 'r1',
      restarts: () => false,
      recorder,
      built: new Map(),
      names: treeNames(tree),
      tidying: [],
      pruneBackups: true,
      knownHosts: new Set(),
    };
    const sources = new Map<string, string>();
    const task = proxyTreeTask(pullPrinting(stdout), sync, tree, {
      order: proxyOrder(['t0'], ['p0']),
      module: 'deploy',
      timeoutSeconds: 10,
      failedProxies: new Set(),
      sources,
    });
    // When the target pulls
    const result = await task('t0', context);
    // Then its counts are every file and every removal, and its change set holds every name
    expect(result.transfer).toEqual({ changed: 5000, removed: 2000, bytesSent: 0 });
    expect(sources.get('t0')).toBe('p0');
    expect(recorded).toEqual([{ changed: names, created: names, removed: gone, createdFolders: ['lib'], bytesSent: 0 }]);
  });
});
