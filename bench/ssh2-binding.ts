/**
 * Figure B (issue 20): what ssh2's optional native binding (built by ssh2's install script) and
 * cpu-features (a native module, built by its own install script, that only reorders ssh2's
 * default ciphers) are worth to deploy's SSH transport. Each run is a fresh process (see
 * bench/ssh2-binding-child.ts) on one sshd fleet: "binding alone" (what package.json's
 * allowScripts installs), "neither" (an install where no script ran) and, when cpu-features was
 * built by hand, "binding + cpu-features". The preload bench/without-ssh2-binding.ts makes
 * resolving the hidden ones fail, exactly as when their scripts did not run. Rounds
 * interleaved, order alternating; each child reports what ssh2 loaded and which cipher each
 * connection negotiated.
 *
 * (a) connect + `true` on `hosts` sshd hosts, `concurrency` at a time (key exchange, auth,
 *     session); (b) over those connections, one `fileMiB` file to `transferHosts` hosts at once
 *     through the transport's atomic write (SFTP, fsync, rename), MB/s; (c) client CPU per MiB.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BindingJob, BindingResult } from './ssh2-binding-child.js';
import { loadHarness, type SshdFleet } from './ssh.js';
import { ROOT, median, ratio, secs, timed, type Row } from './table.js';

export interface Ssh2BindingOptions {
  hosts: number;
  concurrency: number;
  transferHosts: number;
  fileMiB: number;
  rounds: number;
  /** The fleet's third address octet and port; away from the tests' and the other figures'. */
  subnet: number;
  port: number;
}

const BINDING = join(ROOT, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
const CPU_FEATURES = join(ROOT, 'node_modules/cpu-features/build/Release/cpufeatures.node');
const PRELOAD = join(ROOT, 'dist/bench/without-ssh2-binding.js');
const CHILD = join(ROOT, 'dist/bench/ssh2-binding-child.js');
/** both: binding + cpu-features (every script run); binding: ssh2's alone (as package.json installs); none: neither. */
type Side = 'both' | 'binding' | 'none';

async function runChild(side: Side, job: BindingJob): Promise<BindingResult> {
  // Keys come from the fleet's ssh_config and key file alone: no agent.
  const env = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  delete env.DEPLOY_BENCH_HIDE;
  if (side === 'binding') env.DEPLOY_BENCH_HIDE = 'cpu-features';
  const args = [...(side === 'both' ? [] : ['--import', PRELOAD]), CHILD, JSON.stringify(job)];
  const child = await timed(process.execPath, args, { timeoutMs: 600_000, env });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  let result: BindingResult;
  try {
    result = JSON.parse(line) as BindingResult;
  } catch {
    throw new Error(`ssh2-binding child (${side}): exit ${child.code ?? child.signal}: ${child.stderr.slice(-800)}`);
  }
  if (result.failed.length > 0) throw new Error(`ssh2-binding (${side}): ${result.failed.length} hosts failed, e.g. ${result.failed[0]}`);
  const expected = { both: [true, true], binding: [true, false], none: [false, false] }[side];
  if (result.bindingAvailable !== expected[0] || result.cpuFeatures !== expected[1]) {
    throw new Error(`ssh2-binding (${side}): ssh2 loaded binding ${result.bindingAvailable}, cpu-features ${result.cpuFeatures}: not what this side measures`);
  }
  return result;
}

const loaded = (r: BindingResult): string =>
  `binding ${r.bindingAvailable ? 'yes' : 'no'}, cpu-features ${r.cpuFeatures ? 'yes' : 'no'}: ${Object.entries(r.negotiated)
    .map(([cipher, n]) => `${cipher} x${n}`)
    .join(', ')}`;
const mbps = (r: BindingResult): number => r.transferBytes / 1e6 / (r.transferMs / 1000);
const cpuPerMiB = (r: BindingResult): number => r.transferCpuMs / (r.transferBytes / 1024 ** 2);

export async function ssh2BindingFigure(options: Ssh2BindingOptions, log: (line: string) => void): Promise<Row[]> {
  const label = `B  ssh2's native binding and cpu-features, with and without`;
  const skipped = (why: string): Row[] => [{ figure: label, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  if (!existsSync(BINDING)) {
    return skipped(`ssh2's binding is not built (its install script did not run): \`npm rebuild ssh2\` (needs a C++ toolchain)`);
  }
  // cpu-features' script is denied in package.json: measured too when it was built by hand
  // (cd node_modules/cpu-features && node buildcheck.js > buildcheck.gypi && npx node-gyp rebuild).
  const sides: Side[] = existsSync(CPU_FEATURES) ? ['binding', 'none', 'both'] : ['binding', 'none'];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  let fleet: SshdFleet | undefined;
  try {
    const started = performance.now();
    fleet = await harness.startSshdFleet({ count: options.hosts, subnet: options.subnet, port: options.port });
    const f = fleet;
    log(
      `ssh2-binding: ${options.hosts} sshd up on 127.0.${options.subnet}.x:${options.port} in ${secs(performance.now() - started)}; sides ${sides.join(', ')}`,
    );
    const job = (tag: string): BindingJob => ({
      options: {
        user: f.user,
        port: options.port,
        keyPath: f.clientKeyPath,
        knownHostsPath: f.knownHostsPath,
        sshConfigPath: f.sshConfigPath,
        connectTimeoutMs: 120_000,
        connectRetries: 0,
        explicit: { user: true, port: false, keyPath: true },
      },
      hosts: f.hosts.map((host) => host.name),
      concurrency: options.concurrency,
      transferHosts: options.transferHosts,
      fileMiB: options.fileMiB,
      remoteDir: `${f.deployDir}/bench-binding`,
      tag,
    });
    const results: Record<Side, BindingResult[]> = { both: [], binding: [], none: [] };
    // Round 0 warms the page cache and the sshd binaries and is not counted.
    for (let round = 0; round <= options.rounds; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      const said: string[] = [];
      for (const side of order) {
        const r = await runChild(side, job(`${side}-${round}`));
        if (round > 0) results[side].push(r);
        said.push(
          `${side}: connect ${secs(r.connectMs)} (cpu ${secs(r.connectCpuMs)}), ${options.fileMiB} MiB x${options.transferHosts} ${secs(r.transferMs)} = ${mbps(r).toFixed(1)} MB/s (cpu ${cpuPerMiB(r).toFixed(1)} ms/MiB); ${loaded(r)}`,
        );
      }
      log(`ssh2-binding ${round === 0 ? 'warm-up' : `round ${round}`}: ${said.join(' | ')}`);
    }
    await Promise.all(f.hosts.map((host) => rm(join(host.root, 'deploy', 'bench-binding'), { recursive: true, force: true })));
    const ref = results.binding;
    // Paired per round (back to back), so the machine's drifting load moves the ratio least.
    const paired = (side: Side, of: (r: BindingResult) => number): string => ratio(median(results[side].map((r, i) => of(r) / of(ref[i]!))));
    const med = (side: Side, of: (r: BindingResult) => number): number => median(results[side].map(of));
    const n = options.rounds;
    const others = sides.filter((side) => side !== 'binding');
    const name = { both: 'binding + cpu-features', binding: 'binding alone', none: 'neither' } as const;
    const rows: Row[] = sides.map((side) => ({
      figure: `B0 ${name[side]}: what ssh2 loaded, cipher negotiated`,
      measured: loaded(results[side].at(-1)!),
      reference: '-',
      ratio: `default order ${results[side].at(-1)!.defaultCipher.join(',')}`,
      verdict: 'info' as const,
    }));
    for (const side of others) {
      rows.push(
        {
          figure: `Ba connect + \`true\` on ${options.hosts} sshd hosts, c=${options.concurrency}: ${name[side]}`,
          measured: `${secs(med(side, (r) => r.connectMs))} (cpu ${secs(med(side, (r) => r.connectCpuMs))})`,
          reference: `binding alone ${secs(med('binding', (r) => r.connectMs))} (cpu ${secs(med('binding', (r) => r.connectCpuMs))})`,
          ratio: `${paired(side, (r) => r.connectMs)} (cpu ${paired(side, (r) => r.connectCpuMs)}; medians of ${n} rounds' ratios)`,
          verdict: 'info',
        },
        {
          figure: `Bb ${options.fileMiB} MiB to ${options.transferHosts} hosts at once, atomic SFTP write: ${name[side]}`,
          measured: `${med(side, mbps).toFixed(1)} MB/s (${secs(med(side, (r) => r.transferMs))})`,
          reference: `binding alone ${med('binding', mbps).toFixed(1)} MB/s (${secs(med('binding', (r) => r.transferMs))})`,
          ratio: `${paired(side, mbps)} (throughput)`,
          verdict: 'info',
        },
        {
          figure: `Bc   client CPU per MiB sent: ${name[side]}`,
          measured: `${med(side, cpuPerMiB).toFixed(1)} ms/MiB`,
          reference: `binding alone ${med('binding', cpuPerMiB).toFixed(1)} ms/MiB`,
          ratio: paired(side, cpuPerMiB),
          verdict: 'info',
        },
      );
    }
    return rows;
  } finally {
    await fleet?.stop().catch(() => undefined);
  }
}
