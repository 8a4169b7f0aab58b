/**
 * Issue 22's transfer figure, end to end: a 5,000-file, 50 MB tree (sizes drawn like a PHP code
 * base: many small files, a long tail) to a loopback sshd fleet (test/e2e/fleet), by the deploy
 * CLI (`deploy sync-world`, in-place, no canaries, no restart script, sync_concurrency N) and by
 * parallel-rsync (`prsync -a --delete -p N`, OpenSSH), on the same fleet, each into its own
 * folder: a first sync into empty folders, then a re-sync after 20 files changed. Rounds are
 * interleaved, the order alternating. Measured per run: wall time; the bytes this machine sent
 * to the fleet's sshd port, counted by the kernel (an nftables counter on the output hook: IP
 * length, so SSH, TCP and IP framing included, the same way for both tools); rsync's own `Total
 * bytes sent` summed over the hosts (deploy's JSON `bytesSent`, prsync's `--stats`); and the CPU
 * of the client side (the tool and every process it started and reaped: rsync, ssh or the rsh
 * client), read by a wrapping shell's `times` once it has reaped the tool.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nftAvailable, startByteCounters, type ByteCounters } from './proxy-daemons.js';
import { loadHarness, type SshdFleet } from './ssh.js';
import { BIN, cliEnv, median, ratio, secs, timed, type Row } from './table.js';
import { stageTree } from './tree-stage.js';

export interface SyncTreeBenchOptions {
  hosts: number;
  concurrency: number;
  files: number;
  totalMB: number;
  changed: number;
  seed: number;
  rounds: number;
  /** The fleet's third address octet and port; away from the test suite's and the other figures'. */
  subnet: number;
  port: number;
}

const sentIn = (text: string): number => Number(/Total bytes sent: ([0-9,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? Number.NaN);
const mb = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

/** User + system seconds of the reaped children, from the second line of a POSIX shell's `times`. */
export function childrenCpuMs(times: string): number {
  const all = [...times.matchAll(/(\d+)m([0-9.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return (all[2] ?? Number.NaN) + (all[3] ?? Number.NaN);
}

interface Measured {
  wallMs: number;
  /** nftables: bytes to the fleet's sshd port (IP length). */
  wireBytes: number;
  /** rsync's Total bytes sent, summed over the hosts. */
  rsyncBytes: number;
  /** CPU of the tool and its reaped children (rsync, ssh / the remote shell: sh and cat). */
  cpuMs: number;
  /** deploy only: its sync-hosts phase, and the largest RSS of its process tree. */
  phaseMs?: number;
  maxRssKB?: number;
}

type Tool = 'deploy' | 'prsync';

export async function syncTreeFigure(options: SyncTreeBenchOptions, log: (line: string) => void): Promise<Row[]> {
  const name = `T  ${options.files}-file ${options.totalMB} MB tree to ${options.hosts} sshd hosts, c=${options.concurrency}`;
  const skipped = (why: string): Row[] => [{ figure: name, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  if (!nftAvailable()) return skipped('nft (nftables) not available, or not root');
  const network = `127.0.${options.subnet}`;
  const work = mkdtempSync(join(tmpdir(), 'deploy-bench-tree-'));
  let fleet: SshdFleet | undefined;
  let counters: ByteCounters | undefined;
  const cleanUp = async (): Promise<void> => {
    await fleet?.stop().catch(() => undefined);
    counters?.remove();
    rmSync(work, { recursive: true, force: true });
  };
  const stopOnSignal = (signal: NodeJS.Signals): void => void cleanUp().finally(() => process.kill(process.pid, signal));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    counters = startByteCounters(`deploy_bench_tree_${process.pid}`, network, options.port);
    const count = counters;
    fleet = await harness.startSshdFleet({ count: options.hosts, subnet: options.subnet, port: options.port });
    const f = fleet;
    const stage = join(work, 'stage');
    const names = await stageTree(stage, options);
    log(`sync-tree: ${options.hosts} sshd up on ${network}.x:${options.port}; staged ${names.length} files`);
    const hostsFile = join(work, 'hosts');
    await writeFile(hostsFile, `${f.hosts.map((host) => host.name).join('\n')}\n`);
    const folder = { deploy: 'tree-deploy', prsync: 'tree-prsync' } as const;
    const config = join(work, 'deploy.json');
    await writeFile(
      config,
      JSON.stringify({
        transport: 'ssh',
        targets: f.hosts.map((h) => h.name),
        ssh_user: f.user,
        ssh_key: f.clientKeyPath,
        ssh_known_hosts: f.knownHostsPath,
        ssh_config: f.sshConfigPath,
        ssh_connect_timeout: 30,
        restart_sudo_user: '',
        php_fpm_restart_script: '',
        failure_limit: 0,
        canary_wait_time: 0,
        // The content is random bytes named .php: nothing to lint, and prsync lints nothing.
        lint: false,
        deploy_layout: 'in-place',
        stage_dir: stage,
        deploy_dir: `/srv/fleet/${folder.deploy}`,
        sync_concurrency: options.concurrency,
        lock_file: join(work, 'deploy.lock'),
      }),
    );
    // The same host-key checking and identity as deploy: the fleet's ssh_config and known_hosts only.
    const sshOptions = [
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
    const timesFile = join(work, 'times');
    const wrap = ['-c', '/usr/bin/time -f %M -o "$BENCH_RSS" "$@"; status=$?; times >"$BENCH_TIMES"; exit $status', 'sh'];
    const rssFile = join(work, 'rss');
    const env = { ...cliEnv(work), BENCH_TIMES: timesFile, BENCH_RSS: rssFile };

    const run = async (tool: Tool, label: string): Promise<Measured> => {
      const before = count.read().toSshd;
      const out = join(work, `prsync-${label}-${Date.now()}`);
      const argv =
        tool === 'deploy'
          ? [process.execPath, BIN, 'sync-world', '-c', config, '--json', 'bench', label]
          : [
              'parallel-rsync',
              ...['-h', hostsFile, '-p', String(options.concurrency), '-t', '0', '-o', out, '-S', sshOptions],
              ...['-a', '-X', '--delete', '-X', '--stats'],
              `${stage}/`,
              `/srv/fleet/${folder.prsync}/`,
            ];
      const result = await timed('sh', [...wrap, ...argv], { cwd: work, env, timeoutMs: 900_000 });
      const wireBytes = count.read().toSshd - before;
      const cpuMs = childrenCpuMs(readFileSync(timesFile, 'utf8'));
      const maxRssKB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      if (tool === 'prsync') {
        if (result.code !== 0)
          throw new Error(`prsync ${label}: exit ${result.code ?? result.signal}: ${result.stdout.slice(-1500)}${result.stderr.slice(-1500)}`);
        let rsyncBytes = 0;
        for (const file of await readdir(out)) rsyncBytes += sentIn(await readFile(join(out, file), 'utf8'));
        return { wallMs: result.wallMs, wireBytes, rsyncBytes, cpuMs };
      }
      let report: { status: string; phases: Array<{ name: string; durationMs: number }>; hosts: Array<{ phase: string; bytesSent?: number }> };
      try {
        report = JSON.parse(result.stdout) as typeof report;
      } catch {
        throw new Error(`deploy ${label}: exit ${result.code ?? result.signal}, no JSON report: ${result.stderr.slice(-1500)}`);
      }
      if (result.code !== 0 || report.status !== 'success')
        throw new Error(`deploy ${label}: exit ${result.code}, status ${report.status}: ${result.stderr.slice(-1500)}`);
      const rsyncBytes = report.hosts.reduce((sum, host) => sum + (host.bytesSent ?? 0), 0);
      const phaseMs = report.phases.find((p) => p.name === 'sync-hosts')?.durationMs ?? Number.NaN;
      return { wallMs: result.wallMs, wireBytes, rsyncBytes, cpuMs, phaseMs, maxRssKB };
    };
    /**
     * Each round's first sync is into empty folders: every host's are removed, and so are deploy's
     * note of the hosts it put the tree on (state/tree-hosts.ts) and its count of runs since old
     * backups were last pruned (state/backup-prunes.ts), as for a fleet new to it. Without the
     * first, deploy would trust the note over asking (it is right either way, only slower). So
     * each round's first sync prunes (there is nothing to prune yet) and its re-sync, as four
     * runs in five, does not.
     */
    const emptyHosts = async (): Promise<void> => {
      await Promise.all(f.hosts.flatMap((h) => Object.values(folder).map((sub) => rm(join(h.root, sub), { recursive: true, force: true }))));
      for (const record of ['tree-hosts', 'backup-prunes']) await rm(join(work, 'deploy', record), { recursive: true, force: true });
    };
    /** Every host's copy holds the stage's version of `names` (the changed files), for both tools. */
    const check = async (changedNames: readonly string[]): Promise<void> => {
      for (const file of changedNames) {
        const want = await readFile(join(stage, file));
        for (const h of f.hosts)
          for (const sub of Object.values(folder)) {
            const got = await readFile(join(h.root, sub, file)).catch(() => Buffer.alloc(0));
            if (!got.equals(want)) throw new Error(`${h.name}: ${sub}/${file} is not the stage's`);
          }
      }
    };

    const cases = ['first sync', `re-sync, ${options.changed} files changed`] as const;
    const got = { first: { deploy: [] as Measured[], prsync: [] as Measured[] }, again: { deploy: [] as Measured[], prsync: [] as Measured[] } };
    const order = (round: number): Tool[] => (round % 2 === 1 ? ['deploy', 'prsync'] : ['prsync', 'deploy']);
    for (let round = 1; round <= options.rounds; round++) {
      await emptyHosts();
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      for (const tool of order(round)) {
        const m = await run(tool, `r${round}-first`);
        got.first[tool].push(m);
        log(
          `sync-tree: round ${round} first sync ${tool}: ${secs(m.wallMs)}, wire ${mb(m.wireBytes)}, rsync ${mb(m.rsyncBytes)}, client CPU ${secs(m.cpuMs)}${m.phaseMs === undefined ? '' : `, sync-hosts ${secs(m.phaseMs)}, max RSS ${((m.maxRssKB ?? 0) / 1024) | 0} MB`} (load ${load})`,
        );
      }
      const changedNames = names.slice((round - 1) * options.changed, round * options.changed);
      for (const file of changedNames) await writeFile(join(stage, file), `<?php // changed in round ${round} ${Date.now()}\n`);
      for (const tool of order(round)) {
        const m = await run(tool, `r${round}-resync`);
        got.again[tool].push(m);
        log(`sync-tree: round ${round} re-sync ${tool}: ${secs(m.wallMs)}, wire ${mb(m.wireBytes)}, rsync ${mb(m.rsyncBytes)}, client CPU ${secs(m.cpuMs)}`);
      }
      await check(changedNames);
    }

    const rows: Row[] = [];
    const spread = (list: Measured[], key: 'wallMs' | 'cpuMs'): string => {
      const values = list.map((m) => m[key]).sort((a, b) => a - b);
      return `${secs(median(values))} (${secs(values[0]!)}-${secs(values.at(-1)!)})`;
    };
    const med = (list: Measured[], key: keyof Measured): number => median(list.map((m) => m[key] ?? Number.NaN));
    for (const label of cases) {
      const { deploy, prsync } = label === cases[0] ? got.first : got.again;
      // The ratio of each round's pair (measured back to back), then their median.
      const wallRatio = median(deploy.map((d, i) => d.wallMs / prsync[i]!.wallMs));
      const wireRatio = median(deploy.map((d, i) => d.wireBytes / prsync[i]!.wireBytes));
      const first = label === cases[0];
      rows.push(
        {
          figure: `${name}, ${label}: wall (median, min-max of ${options.rounds})`,
          measured: spread(deploy, 'wallMs'),
          reference: `prsync -a --delete ${spread(prsync, 'wallMs')}`,
          ratio: `${ratio(wallRatio)} (<= 1.0; rounds ${deploy.map((d, i) => ratio(d.wallMs / prsync[i]!.wallMs, 2)).join(', ')})`,
          verdict: wallRatio <= 1 ? 'pass' : 'MISS',
        },
        {
          figure: `${name}, ${label}: bytes to the fleet's sshd (nft)`,
          measured: mb(med(deploy, 'wireBytes')),
          reference: `prsync ${mb(med(prsync, 'wireBytes'))}`,
          ratio: first ? ratio(wireRatio) : `${ratio(wireRatio)} (<= 1.1)`,
          verdict: first ? 'info' : wireRatio <= 1.1 ? 'pass' : 'MISS',
        },
        {
          figure: `${name}, ${label}:   rsync's Total bytes sent`,
          measured: mb(med(deploy, 'rsyncBytes')),
          reference: `prsync ${mb(med(prsync, 'rsyncBytes'))}`,
          ratio: ratio(med(deploy, 'rsyncBytes') / med(prsync, 'rsyncBytes')),
          verdict: 'info',
        },
        {
          figure: `${name}, ${label}:   client CPU (tool + rsync + ssh/rsh)`,
          measured: spread(deploy, 'cpuMs'),
          reference: `prsync ${spread(prsync, 'cpuMs')}`,
          ratio: ratio(med(deploy, 'cpuMs') / med(prsync, 'cpuMs')),
          verdict: 'info',
        },
      );
      if (first)
        rows.push({
          figure: `${name}, ${label}:   deploy's sync-hosts phase; largest RSS in its process tree`,
          measured: `${secs(med(deploy, 'phaseMs'))}; ${(med(deploy, 'maxRssKB') / 1024).toFixed(0)} MB`,
          reference: `CLI wall ${secs(med(deploy, 'wallMs'))}`,
          ratio: '-',
          verdict: 'info',
        });
    }
    return rows;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await cleanUp();
  }
}
