/**
 * Issue 22's transfer figure: a 5,000-file, 50 MB tree (sizes drawn like a PHP code base: many
 * small files, a long tail) to a loopback sshd fleet (test/e2e/fleet), `concurrency` hosts at a
 * time, by Transport.syncTree (rsync over deploy's own SSH connection) and by parallel-rsync
 * (`prsync -a --delete`, OpenSSH), on the same fleet, each into its own folder: a first sync,
 * then a re-sync after 20 files changed. Wall time, and the bytes rsync sent (its `Total bytes
 * sent`, summed over the hosts: the payload that leaves this machine, before SSH's framing).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSshTransport } from '../src/transport/ssh/ssh-transport.js';
import { loadHarness, type SshdFleet } from './ssh.js';
import { ratio, secs, type Row } from './table.js';
import { mulberry32 } from './distribution.js';

export interface SyncTreeBenchOptions {
  hosts: number;
  concurrency: number;
  files: number;
  totalMB: number;
  changed: number;
  seed: number;
  /** The fleet's third address octet and port; away from the test suite's and the other figures'. */
  subnet: number;
  port: number;
}

/** Log-normal sizes (median ~3 KB, a long tail), scaled to `totalBytes`, in 3 levels of folders. */
async function stageTree(root: string, options: SyncTreeBenchOptions): Promise<string[]> {
  const next = mulberry32(options.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const raw = Array.from({ length: options.files }, () => Math.exp(Math.log(3000) + 1.6 * normal()));
  const scale = (options.totalMB * 1_000_000) / raw.reduce((sum, size) => sum + size, 0);
  const names: string[] = [];
  for (const [index, size] of raw.entries()) {
    const name = `includes/m${index % 10}/d${index % 97}/File${index}.php`;
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), randomBytes(Math.max(1, Math.round(size * scale))));
    names.push(name);
  }
  return names;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const sentIn = (text: string): number => Number(/Total bytes sent: ([0-9,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? Number.NaN);
const mb = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

export async function syncTreeFigure(options: SyncTreeBenchOptions, log: (line: string) => void): Promise<Row[]> {
  const name = `T  ${options.files}-file ${options.totalMB} MB tree to ${options.hosts} sshd hosts, concurrency ${options.concurrency}`;
  const skipped = (why: string): Row[] => [{ figure: name, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  const work = mkdtempSync(join(tmpdir(), 'deploy-bench-tree-'));
  let fleet: SshdFleet | undefined;
  try {
    fleet = await harness.startSshdFleet({ count: options.hosts, subnet: options.subnet, port: options.port });
    const f = fleet;
    const stage = join(work, 'stage');
    const names = await stageTree(stage, options);
    log(`sync-tree: staged ${names.length} files`);
    const hostsFile = join(work, 'hosts');
    await writeFile(hostsFile, `${f.hosts.map((host) => host.name).join('\n')}\n`);
    const transport = createSshTransport({
      user: f.user,
      port: options.port,
      knownHostsPath: f.knownHostsPath,
      sshConfigPath: f.sshConfigPath,
      connectTimeoutMs: 20_000,
      connectRetries: 2,
      explicit: { user: false, port: false, keyPath: false },
      env: { HOME: work, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const viaDeploy = async (): Promise<{ ms: number; bytes: number }> => {
      let bytes = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await pool(f.hosts, options.concurrency, async (host) => {
        const result = await transport.syncTree(host.name, {
          source: stage,
          destination: '/srv/fleet/tree-deploy',
          exclude: [],
          delete: true,
          signal: new AbortController().signal,
        });
        bytes += result.bytesSent;
      });
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      // One event loop carries every host's SSH encryption: how busy it was says whether it is the limit.
      log(`sync-tree: syncTree: this process used ${secs((used.user + used.system) / 1000)} of CPU in ${secs(ms)}`);
      return { ms, bytes };
    };
    const viaPrsync = async (): Promise<{ ms: number; bytes: number }> => {
      const out = join(work, `prsync-${Date.now()}`);
      // The same host-key checking and identity as deploy: the fleet's ssh_config and known_hosts only.
      const ssh = [
        '-F',
        f.sshConfigPath,
        '-o',
        `UserKnownHostsFile=${f.knownHostsPath}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
      ].join(' ');
      const started = performance.now();
      execFileSync(
        'parallel-rsync',
        [
          '-h',
          hostsFile,
          '-p',
          String(options.concurrency),
          '-a',
          '-X',
          '--delete',
          '-X',
          '--stats',
          '-o',
          out,
          '-t',
          '0',
          '-S',
          ssh,
          `${stage}/`,
          '/srv/fleet/tree-prsync/',
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const ms = performance.now() - started;
      let bytes = 0;
      for (const file of await readdir(out)) bytes += sentIn(await readFile(join(out, file), 'utf8'));
      return { ms, bytes };
    };
    const rows: Row[] = [];
    try {
      const measure = async (label: string): Promise<void> => {
        const deploy = await viaDeploy();
        const prsync = await viaPrsync();
        log(`sync-tree: ${label}: syncTree ${secs(deploy.ms)} ${mb(deploy.bytes)}, prsync ${secs(prsync.ms)} ${mb(prsync.bytes)}`);
        rows.push(
          {
            figure: `${name}, ${label}: wall`,
            measured: secs(deploy.ms),
            reference: `${secs(prsync.ms)} prsync -a --delete`,
            ratio: ratio(deploy.ms / prsync.ms),
            verdict: deploy.ms <= prsync.ms ? 'pass' : 'MISS',
          },
          {
            figure: `${name}, ${label}: bytes sent`,
            measured: mb(deploy.bytes),
            reference: `${mb(prsync.bytes)} prsync`,
            ratio: ratio(deploy.bytes / prsync.bytes),
            verdict: label === 'first sync' ? 'info' : deploy.bytes <= 1.1 * prsync.bytes ? 'pass' : 'MISS',
          },
        );
      };
      await measure('first sync');
      for (const changed of names.slice(0, options.changed)) await writeFile(join(stage, changed), `<?php // changed ${Date.now()}\n`);
      await measure(`re-sync, ${options.changed} files changed`);
    } finally {
      await transport.close();
    }
    return rows;
  } finally {
    await fleet?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
