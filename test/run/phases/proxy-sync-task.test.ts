import { describe, expect, it } from 'vitest';
import { RSYNC_MISSING_STATUS, proxyOrder } from '../../../src/remote-commands/rsync-pull.js';
import type { HostContext } from '../../../src/rollout/types.js';
import { DIRECT_SOURCE, proxySyncTask } from '../../../src/run/phases/proxy-sync-task.js';
import type { StagedFile } from '../../../src/run/prepare/stage-file.js';
import type { ExecResult, Transport } from '../../../src/transport/types.js';

const file: StagedFile = { relativePath: 'php/index.php', destination: '/srv/app/php/index.php', content: Buffer.from('new\n'), mode: 0o644 };

/** A transport whose pulls succeed or fail by proxy (read from the rsync URL in the argv). */
function transportWhere(pullStatus: (proxy: string) => number): Transport & { pulls: string[]; writes: string[] } {
  const pulls: string[] = [];
  const writes: string[] = [];
  return {
    name: 'stub',
    pulls,
    writes,
    async exec(host, argv): Promise<ExecResult> {
      const url = argv.find((word) => word.startsWith('rsync://')) ?? '';
      const proxy = new URL(url).hostname;
      pulls.push(`${host}<-${proxy}`);
      const exitCode = pullStatus(proxy);
      return { exitCode, stdout: '', stderr: exitCode === 0 ? '' : `@ERROR: failure on ${proxy}\n`, truncated: false };
    },
    async writeFile(host) {
      writes.push(host);
      return { changed: true };
    },
    async readFile() {
      return null;
    },
    async removeFile() {
      return { changed: false };
    },
    async syncTree() {
      throw new Error('this stub syncs no trees');
    },
    commandPath: (_host: string, path: string) => path,
    async close() {},
  };
}

const context: HostContext = { signal: new AbortController().signal, commandStarted: () => {}, activity: () => {}, retrying: () => {} };

function run(transport: Transport, targets: string[], proxies: string[], failedProxies: string[] = []) {
  const sources = new Map<string, string>();
  const task = proxySyncTask(transport, file, {
    order: proxyOrder(targets, proxies),
    module: 'deploy',
    timeoutSeconds: 10,
    failedProxies: new Set(failedProxies),
    sources,
  });
  return { sources, results: Promise.all(targets.map((host) => task(host, context))) };
}

describe('proxySyncTask', () => {
  it('has each target pull from its own proxy first, spread evenly, and says where the file came from', async () => {
    // Given two working proxies and four targets
    const transport = transportWhere(() => 0);
    // When the targets sync
    const { sources, results } = run(transport, ['t0', 't1', 't2', 't3'], ['p0', 'p1']);
    // Then each pulled once, alternating proxies, and none was written directly
    expect((await results).map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(transport.pulls).toEqual(['t0<-p0', 't1<-p1', 't2<-p0', 't3<-p1']);
    expect(transport.writes).toEqual([]);
    expect(Object.fromEntries(sources)).toEqual({ t0: 'p0', t1: 'p1', t2: 'p0', t3: 'p1' });
  });

  it('tries the next proxy when one fails, then writes the file straight from here', async () => {
    // Given p0 failing and p1 working, then both failing
    const oneDown = transportWhere((proxy) => (proxy === 'p0' ? 10 : 0));
    const first = run(oneDown, ['t0'], ['p0', 'p1']);
    const [result] = await first.results;
    // Then t0 got it from p1, and its report says why p0 was passed over
    expect(first.sources.get('t0')).toBe('p1');
    expect(result?.stderr).toBe('p0: rsync exited 10: @ERROR: failure on p0');
    // When every proxy fails
    const allDown = transportWhere(() => 10);
    const second = run(allDown, ['t0'], ['p0', 'p1']);
    await second.results;
    // Then the file came from this machine after both proxies were tried
    expect(allDown.pulls).toEqual(['t0<-p0', 't0<-p1']);
    expect(allDown.writes).toEqual(['t0']);
    expect(second.sources.get('t0')).toBe(DIRECT_SOURCE);
  });

  it('never asks a proxy whose own sync failed, and goes direct at once when the target has no rsync', async () => {
    // Given p0 failed its sync, and a target without rsync
    const skipFailed = transportWhere(() => 0);
    const first = run(skipFailed, ['t0'], ['p0', 'p1'], ['p0']);
    await first.results;
    const noRsync = transportWhere(() => RSYNC_MISSING_STATUS);
    const second = run(noRsync, ['t0'], ['p0', 'p1']);
    const [result] = await second.results;
    // Then p0 is never asked; and the rsync-less target is written directly after one try, saying why
    expect(skipFailed.pulls).toEqual(['t0<-p1']);
    expect(noRsync.pulls).toEqual(['t0<-p0']);
    expect(noRsync.writes).toEqual(['t0']);
    expect(result?.stderr).toBe('rsync is not installed on this host');
  });

  it('asks a proxy listed with its SSH port (name:port) by its name only', async () => {
    // Given a proxy listed as p0:2222
    const pulls: string[] = [];
    const transport = {
      ...transportWhere(() => 0),
      exec: async (_host: string, argv: readonly string[]): Promise<ExecResult> => {
        pulls.push(argv.find((word) => word.startsWith('rsync://')) ?? '');
        return { exitCode: 0, stdout: '', stderr: '', truncated: false };
      },
    };
    // When a target pulls
    const { sources, results } = run(transport, ['t0'], ['p0:2222']);
    await results;
    // Then the URL names p0 on the daemon's port, and the source is the proxy as listed
    expect(pulls).toEqual(['rsync://p0/deploy/php/index.php']);
    expect(sources.get('t0')).toBe('p0:2222');
  });
});

describe('proxySyncTask keeps what the target had', () => {
  it('reads the target file before the pull, keeps it, and records the target once the pull replaced it', async () => {
    // Given a target whose current file is "old", a working proxy, and a keeper that logs
    const transport = transportWhere(() => 0);
    const log: string[] = [];
    transport.readFile = async () => {
      log.push('read');
      return { content: Buffer.from('old'), mode: 0o644 };
    };
    const realExec = transport.exec.bind(transport);
    transport.exec = async (host, argv, options) => {
      log.push('pull');
      return realExec(host, argv, options);
    };
    const keeper = {
      keep: async (_host: string, previous: { content: Buffer } | null) => void log.push(`keep ${previous?.content.toString()}`),
      replaced: (host: string) => void log.push(`replaced ${host}`),
      before: () => undefined,
    };
    const task = proxySyncTask(transport, file, {
      order: proxyOrder(['t0'], ['p0']),
      module: 'deploy',
      timeoutSeconds: 10,
      failedProxies: new Set(),
      sources: new Map(),
      keeper,
    });
    // When the target syncs
    await task('t0', context);
    // Then the old file was kept before the pull, and the replacement recorded after it
    expect(log).toEqual(['read', 'keep old', 'pull', 'replaced t0']);
  });
});
