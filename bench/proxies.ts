/**
 * Figure 6: `sync_proxies`. One file to N targets of the loopback sshd fleet, straight from this
 * machine (no proxies) and through P proxies (fleet hosts running an rsync daemon in their own
 * namespaces), interleaved rounds. Measured per run: wall time, and the bytes this machine sent,
 * two ways: the kernel's nftables counter of what went to the fleet's sshd port, and `wchar`
 * of the deploy process (its own and its reaped children's write calls, read by the wrapping
 * shell from /proc/$$/io after the CLI exited). Targets: through proxies this machine sends at
 * most (P + 1) x the file, and the run is no slower than direct.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RSYNC_PORT, nftAvailable, startByteCounters, startDaemonOnHost, wcharOf, type BenchDaemon, type Counts } from './proxy-daemons.js';
import { makeNetns, shapeNics, shapingAvailable, type BenchNetns } from './proxy-netns.js';
import { loadHarness, type Harness, type SshdFleet } from './ssh.js';
import { BIN, cliEnv, median, ratio, secs, timed, type Row } from './table.js';

export interface ProxiesOptions {
  targets: number;
  proxies: number;
  /** The file's size in MB (10^6 bytes). */
  fileMB: number;
  /** sync_concurrency of both runs. */
  concurrency: number;
  rounds: number;
  /** The fleet's third address octet and SSH port (away from the other figures'). */
  subnet: number;
  port: number;
  /** Shape the deploy server's and each proxy's "NIC" to this many MB/s (in a network namespace of the bench's own); undefined: plain loopback. */
  nicMBps?: number;
}

const PAYLOAD = 'bench/payload.bin';
const MB = 1_000_000;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

interface Measured {
  wallMs: number;
  /** nftables: bytes to the sshd port (IP length: SSH, TCP and IP overhead included). */
  sshBytes: number;
  /** wchar of the deploy process and its children. */
  wchar: number;
  /** Bytes the proxies' daemons sent. */
  daemonBytes: number;
  sources: Map<string, number>;
  /** The targets' phase (sync-hosts), and sync-proxies (0 direct). */
  targetsMs: number;
  proxiesMs: number;
}

export async function proxiesFigure(options: ProxiesOptions, log: (line: string) => void): Promise<Row[]> {
  const nic = options.nicMBps;
  const id = nic === undefined ? '6' : '6n';
  const label = `${options.fileMB} MB to ${options.targets} hosts${nic === undefined ? '' : `, NICs ${nic} MB/s`}`;
  const skipped = (why: string): Row[] => [
    { figure: `${id}  sync_proxies, ${label}`, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' },
  ];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  if (!nftAvailable()) return skipped('nft (nftables) not available, or not root');
  if (nic !== undefined && !shapingAvailable()) return skipped('cannot make a network namespace with an HTB qdisc (root, iproute2, sch_htb)');
  const network = `127.0.${options.subnet}`;
  const project = mkdtempSync(join(tmpdir(), 'deploy-bench-proxies-'));
  const daemons: BenchDaemon[] = [];
  const ns: BenchNetns | undefined = nic === undefined ? undefined : makeNetns(`deploy-bench-proxies-${process.pid}`);
  const counters = startByteCounters(`deploy_bench_proxies_${process.pid}`, network, options.port, ns?.exec);
  let fleet: SshdFleet | undefined;
  const cleanUp = async (): Promise<void> => {
    for (const daemon of daemons) daemon.stop();
    await fleet?.stop().catch(() => undefined);
    counters.remove();
    ns?.remove();
    rmSync(project, { recursive: true, force: true });
  };
  const stopOnSignal = (signal: NodeJS.Signals): void => void cleanUp().finally(() => process.kill(process.pid, signal));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const count = options.proxies + options.targets;
    const started = performance.now();
    const start = harness.startSshdFleet as (o: Parameters<Harness['startSshdFleet']>[0] & { netns?: string }) => Promise<SshdFleet>;
    fleet = await start({ count, subnet: options.subnet, port: options.port, ...(ns ? { netns: ns.name } : {}) });
    const f = fleet;
    const proxies = f.hosts.slice(0, options.proxies);
    const targets = f.hosts.slice(options.proxies);
    for (const [i, host] of proxies.entries())
      daemons.push(await startDaemonOnHost({ hostRoot: host.root, address: host.address, modulePath: f.deployDir, dir: join(project, `rsyncd-${i}`) }));
    if (ns) shapeNics(ns, { network, sshPort: options.port, proxies: proxies.map((h) => h.address), megabytesPerSecond: nic! });
    log(
      `proxies: ${ns ? `in network namespace ${ns.name}, NICs shaped to ${nic} MB/s: ` : ''}${count} sshd up on ${network}.2-${count + 1}:${options.port}, ${options.proxies} rsync daemons on :${RSYNC_PORT}, in ${secs(performance.now() - started)}`,
    );

    const payload = randomBytes(options.fileMB * MB);
    const digest = createHash('sha256').update(payload).digest('hex');
    await mkdir(join(project, 'stage', 'bench'), { recursive: true });
    await writeFile(join(project, 'stage', PAYLOAD), payload);
    const proxyName = (host: (typeof proxies)[0]): string => `${host.address}:${host.port}`;
    const base = {
      transport: 'ssh',
      targets: targets.map((h) => h.name),
      ssh_user: f.user,
      ssh_key: f.clientKeyPath,
      ssh_known_hosts: f.knownHostsPath,
      ssh_config: f.sshConfigPath,
      ssh_connect_retries: 0,
      ssh_connect_timeout: 30,
      restart_sudo_user: '',
      php_fpm_restart_script: '',
      failure_limit: 0,
      canary_wait_time: 0,
      stage_dir: join(project, 'stage'),
      deploy_dir: f.deployDir,
      sync_concurrency: options.concurrency,
      lock_file: join(project, 'deploy.lock'),
    };
    const configs = { direct: join(project, 'direct.json'), proxies: join(project, 'proxies.json') };
    await writeFile(configs.direct, JSON.stringify(base));
    await writeFile(configs.proxies, JSON.stringify({ ...base, sync_proxies: proxies.map(proxyName), sync_proxy_module: 'deploy' }));
    const env = cliEnv(project);
    const ioFile = join(project, 'deploy.io');

    const run = async (kind: 'direct' | 'proxies'): Promise<Measured> => {
      await Promise.all(f.hosts.map((h) => rm(join(h.root, 'deploy', 'bench'), { recursive: true, force: true })));
      const before: Counts = counters.read();
      // The shell reaps the CLI, then reads its own /proc/<pid>/io: the CLI's writes are in it.
      const inNs = ns ? ['nsenter', `--net=${ns.path}`, '--'] : [];
      const result = await timed(
        inNs[0] ?? 'sh',
        [
          ...inNs.slice(1),
          ...(ns ? ['sh'] : []),
          '-c',
          '"$@"; status=$?; cat /proc/$$/io >"$DEPLOY_BENCH_IO"; exit $status',
          'sh',
          process.execPath,
          BIN,
          'sync-file',
          '-c',
          configs[kind],
          '--json',
          PAYLOAD,
          'bench',
          kind,
        ],
        {
          cwd: project,
          env: { ...env, DEPLOY_BENCH_IO: ioFile },
          timeoutMs: 600_000,
        },
      );
      const after: Counts = counters.read();
      let report: {
        status: string;
        phases: Array<{ name: string; durationMs: number }>;
        hosts: Array<{ host: string; phase: string; outcome: string; source?: string; stderr?: string }>;
      };
      try {
        report = JSON.parse(result.stdout) as typeof report;
      } catch {
        throw new Error(`${kind}: exit ${result.code ?? result.signal}, no JSON report: ${result.stderr.slice(-1500)}`);
      }
      if (result.code !== 0 || report.status !== 'success')
        throw new Error(`${kind}: exit ${result.code}, status ${report.status}: ${result.stderr.slice(-1500)}`);
      const wrong = [];
      for (const host of kind === 'proxies' ? f.hosts : targets) {
        const got = await readFile(join(host.root, 'deploy', PAYLOAD)).catch(() => Buffer.alloc(0));
        if (createHash('sha256').update(got).digest('hex') !== digest) wrong.push(host.name);
      }
      if (wrong.length > 0) throw new Error(`${kind}: ${wrong.length} hosts do not hold the file byte for byte: ${wrong.join(', ')}`);
      log(`proxies: ${kind} phases ${report.phases.map((p) => `${p.name} ${secs(p.durationMs)}`).join(', ')}`);
      const passedOver = report.hosts.find((h) => h.source === 'direct' && h.stderr !== undefined);
      if (kind === 'proxies' && passedOver) log(`proxies: ${passedOver.host} got the file direct: ${passedOver.stderr?.split('\n').join('; ')}`);
      const sources = new Map<string, number>();
      for (const h of report.hosts) if (h.source !== undefined) sources.set(h.source, (sources.get(h.source) ?? 0) + 1);
      return {
        wallMs: result.wallMs,
        sshBytes: after.toSshd - before.toSshd,
        wchar: wcharOf(readFileSync(ioFile, 'utf8')),
        daemonBytes: after.fromDaemons - before.fromDaemons,
        sources,
        targetsMs: report.phases.find((p) => p.name === 'sync-hosts')?.durationMs ?? Number.NaN,
        proxiesMs: report.phases.find((p) => p.name === 'sync-proxies')?.durationMs ?? 0,
      };
    };

    const direct: Measured[] = [];
    const viaProxies: Measured[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      // Interleaved, alternating which goes first, so load drifts hit both alike.
      for (const kind of round % 2 === 1 ? (['direct', 'proxies'] as const) : (['proxies', 'direct'] as const)) {
        const m = await run(kind);
        (kind === 'direct' ? direct : viaProxies).push(m);
        log(
          `proxies${ns ? ' (shaped)' : ''}: round ${round} ${kind}: ${secs(m.wallMs)}, sent to sshd ${mb(m.sshBytes)} (nft), wchar ${mb(m.wchar)}, daemons sent ${mb(m.daemonBytes)}${m.sources.size > 0 ? `, sources ${[...m.sources].map(([s, n]) => `${s} x${n}`).join(', ')}` : ''}`,
        );
      }
    }
    const file = payload.length;
    const limit = (options.proxies + 1) * file;
    const med = (list: Measured[], key: 'wallMs' | 'sshBytes' | 'wchar' | 'daemonBytes' | 'targetsMs' | 'proxiesMs'): number => median(list.map((m) => m[key]));
    const directSources = viaProxies.map((m) => m.sources.get('direct') ?? 0);
    const wallRatio = med(viaProxies, 'wallMs') / med(direct, 'wallMs');
    const bytesWorst = Math.max(...viaProxies.map((m) => Math.max(m.sshBytes, m.wchar)));
    const what = `${label}, sync_concurrency ${options.concurrency}`;
    return [
      {
        figure: `${id}a bytes this machine sent, ${options.proxies} proxies, ${what} (nft to sshd; max of ${options.rounds})`,
        measured: mb(Math.max(...viaProxies.map((m) => m.sshBytes))),
        reference: `(P+1) x file = ${mb(limit)}; direct ${mb(med(direct, 'sshBytes'))}`,
        ratio: `${ratio(bytesWorst / limit)} of the cap (<= 1); ${ratio(med(direct, 'sshBytes') / med(viaProxies, 'sshBytes'), 1)}x less than direct`,
        verdict: bytesWorst <= limit ? 'pass' : 'MISS',
      },
      {
        figure: `${id}b   same, counted by the deploy process (wchar, its writes)`,
        measured: mb(Math.max(...viaProxies.map((m) => m.wchar))),
        reference: `nft ${mb(Math.max(...viaProxies.map((m) => m.sshBytes)))}; direct wchar ${mb(med(direct, 'wchar'))}`,
        ratio: ratio(med(viaProxies, 'wchar') / med(viaProxies, 'sshBytes')),
        verdict: 'info',
      },
      {
        figure: `${id}c wall time through ${options.proxies} proxies (median of ${options.rounds})`,
        measured: secs(med(viaProxies, 'wallMs')),
        reference: `direct ${secs(med(direct, 'wallMs'))}`,
        ratio: `${ratio(wallRatio)} (<= 1)`,
        verdict: wallRatio <= 1 ? 'pass' : 'MISS',
      },
      {
        figure: `${id}d   the targets' phase alone (sync-hosts), through proxies; sync-proxies before it`,
        measured: `${secs(med(viaProxies, 'targetsMs'))} + ${secs(med(viaProxies, 'proxiesMs'))}`,
        reference: `direct sync-hosts ${secs(med(direct, 'targetsMs'))}`,
        ratio: ratio(med(viaProxies, 'targetsMs') / med(direct, 'targetsMs')),
        verdict: 'info',
      },
      {
        figure: `${id}e   bytes the proxies' daemons sent to the targets (median)`,
        measured: mb(med(viaProxies, 'daemonBytes')),
        reference: `targets x file = ${mb(options.targets * file)}`,
        ratio: `${ratio(med(viaProxies, 'daemonBytes') / (options.targets * file))}; targets served direct: ${directSources.join('/')}`,
        verdict: 'info',
      },
    ];
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await cleanUp();
  }
}
