/**
 * Figure 5 (issue 10): what resolving hosts as OpenSSH does costs. Connecting to N sshd hosts
 * of the loopback fleet and running `true` on each (start-up check included), with this build
 * of the SSH transport and with the build from before issue 10 (a git ref, compiled here),
 * interleaved; then the same with `ssh -G` resolving every host; then the resolution alone, per
 * host, both ways.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SshResolver, findSsh } from '../src/transport/ssh/config/resolver.js';
import { type Harness, loadHarness, type SshdFleet } from './ssh.js';
import { ROOT, median, ratio, secs, timed, type Row } from './table.js';

const run = promisify(execFile);

export interface SshConnectOptions {
  hosts: number;
  concurrency: number;
  rounds: number;
  subnet: number;
  port: number;
  /** The build to compare with: the last commit before issue 10's SSH work. */
  beforeRef: string;
}

/** The fork point of issue 10's branch: main just before the SSH transport resolved hosts as ssh does. */
export const BEFORE_ISSUE_10 = '7058599c0272d2201604f0ac9919d6ded918ae10';

/** Compiles `ref`'s src/ in a temp folder; the path of its ssh-transport.js, and the folder. */
async function buildRef(ref: string, log: (line: string) => void): Promise<{ module: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-before-'));
  await run('sh', ['-c', 'git -C "$1" archive "$2" src package.json tsconfig.json tsconfig.build.json | tar -x -C "$3"', 'archive', ROOT, ref, dir]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // Type errors in parts the transport does not use (a dependency since removed) do not stop the emit.
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')]).catch(() => undefined);
  const module = join(dir, 'dist/src/transport/ssh/ssh-transport.js');
  if (!existsSync(module)) throw new Error(`could not build ${ref}'s SSH transport in ${dir}`);
  log(`ssh-connect: built the transport of ${ref.slice(0, 10)} in ${dir}`);
  return { module, dir };
}

/** Several fleets (sshd start-up times out past ~40 hosts at once on 2 cores), one ssh_config. */
interface Fleets {
  fleets: SshdFleet[];
  names: string[];
  sshConfigPath: string;
  knownHostsPath: string;
  dir: string;
}

async function startFleets(harness: Harness, options: SshConnectOptions, log: (line: string) => void): Promise<Fleets> {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-bench-connect-'));
  const fleets: SshdFleet[] = [];
  const blocks: string[] = [];
  const known: string[] = [];
  const names: string[] = [];
  try {
    for (let first = 0, index = 0; first < options.hosts; first += 40, index += 1) {
      const fleet = await harness.startSshdFleet({ count: Math.min(40, options.hosts - first), subnet: options.subnet + index, port: options.port });
      fleets.push(fleet);
      known.push(readFileSync(fleet.knownHostsPath, 'utf8'));
      for (const host of fleet.hosts) {
        const name = `f${index}-${host.name}`;
        names.push(name);
        blocks.push(`Host ${name}\n  HostName ${host.address}\n  Port ${host.port}\n  User ${fleet.user}\n  IdentityFile ${fleet.clientKeyPath}\n`);
      }
      log(`ssh-connect: ${names.length}/${options.hosts} sshd up`);
    }
  } catch (error) {
    await Promise.all(fleets.map((fleet) => fleet.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const sshConfigPath = join(dir, 'ssh_config');
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(sshConfigPath, blocks.join(''));
  writeFileSync(knownHostsPath, known.join(''));
  return { fleets, names, sshConfigPath, knownHostsPath, dir };
}

interface Measured {
  checkMs: number;
  connectMs: number;
  wallMs: number;
  failed: string[];
}

async function measure(module: string, options: Record<string, unknown>, hosts: string[], concurrency: number): Promise<Measured> {
  // Keys come from ssh_config alone: no agent, for either build.
  const env = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  const child = await timed(process.execPath, [join(ROOT, 'dist/bench/ssh-connect-child.js'), JSON.stringify({ module, options, hosts, concurrency })], {
    timeoutMs: 600_000,
    env,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  let result: Measured;
  try {
    result = JSON.parse(line) as Measured;
  } catch {
    throw new Error(`ssh-connect child: exit ${child.code ?? child.signal}: ${child.stderr.slice(-800)}`);
  }
  // The old build misses some exit statuses under load (the command did run; fixed since in
  // remote-exec): the connection was made, which is what is measured here.
  const real = result.failed.filter((failure) => !/closed without an exit status/.test(failure));
  if (real.length > 0) throw new Error(`ssh-connect: ${real.length} hosts failed, e.g. ${real[0]}`);
  return result;
}

/** Milliseconds per host to resolve every host, with deploy's reader or with `ssh -G`. */
async function resolutionCost(fleet: Pick<Fleets, 'sshConfigPath'>, names: string[], alwaysOpenSsh: boolean, concurrency: number): Promise<number> {
  const env = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  const local = { thisHost: hostname(), uid: userInfo().uid, home: env.HOME ?? userInfo().homedir, localUser: userInfo().username };
  const resolver = new SshResolver({ configPath: fleet.sshConfigPath, local, env, ssh: findSsh(env), timeoutMs: 30_000, alwaysOpenSsh });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) await resolver.resolve({ host: names[next++]! });
    }),
  );
  return (performance.now() - started) / names.length;
}

export async function sshConnectFigure(options: SshConnectOptions, log: (line: string) => void): Promise<Row[]> {
  const label = `5  connect + \`true\` on ${options.hosts} sshd hosts, c=${options.concurrency}`;
  const harness = await loadHarness();
  if (typeof harness === 'string' || !harness.sshdAvailable()) {
    const why = typeof harness === 'string' ? harness : 'sshd not available (needs root and openssh-server)';
    return [{ figure: label, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  }
  const before = await buildRef(options.beforeRef, log);
  let fleet: Fleets | undefined;
  try {
    const started = performance.now();
    fleet = await startFleets(harness, options, log);
    log(`ssh-connect: ${options.hosts} sshd up in ${secs(performance.now() - started)}`);
    const names = fleet.names;
    const after = join(ROOT, 'dist/src/transport/ssh/ssh-transport.js');
    // Each host's address, port, user and key come from ssh_config, as on a real fleet.
    const base = {
      user: 'root',
      port: 22,
      knownHostsPath: fleet.knownHostsPath,
      sshConfigPath: fleet.sshConfigPath,
      connectTimeoutMs: 120_000,
      connectRetries: 0,
      explicit: { user: false, port: false, keyPath: false },
    };
    const kinds = {
      before: () => measure(before.module, base, names, options.concurrency),
      after: () => measure(after, base, names, options.concurrency),
      sshG: () => measure(after, { ...base, alwaysOpenSsh: true }, names, options.concurrency),
    };
    const results: Record<keyof typeof kinds, Measured[]> = { before: [], after: [], sshG: [] };
    // Warm-up (page cache, sshd binaries): one of each, not counted.
    for (const kind of Object.values(kinds)) await kind();
    for (let round = 0; round < options.rounds; round++) {
      const order = (Object.keys(kinds) as Array<keyof typeof kinds>)[round % 2 === 0 ? 'slice' : 'reverse']();
      for (const kind of order) results[kind].push(await kinds[kind]());
      const said = (kind: keyof typeof kinds): string => {
        const last = results[kind].at(-1)!;
        return `${kind} ${secs(last.wallMs)} (check ${secs(last.checkMs)}${last.failed.length > 0 ? `, ${last.failed.length} exit statuses missed` : ''})`;
      };
      log(`ssh-connect round ${round + 1}: ${order.map(said).join(', ')}`);
    }
    const wall = (kind: keyof typeof kinds): number => median(results[kind].map((r) => r.wallMs));
    const check = (kind: keyof typeof kinds): number => median(results[kind].map((r) => r.checkMs));
    // Each round's runs are back to back: the median of the per-round ratios is what the other
    // work on the machine moves least (its load drifts over the minutes of the figure).
    const paired = (kind: keyof typeof kinds): number => median(results[kind].map((r, i) => r.wallMs / results.before[i]!.wallMs));
    const builtinMs = median(await Promise.all([0, 1, 2].map(() => resolutionCost(fleet!, names, false, 1))));
    const sshGSequentialMs = await resolutionCost(fleet, names.slice(0, 40), true, 1);
    const sshGParallelMs = await resolutionCost(fleet, names, true, 8);
    log(
      `ssh-connect: resolution per host: deploy's reader ${(builtinMs * 1000).toFixed(1)} µs; ssh -G ${sshGSequentialMs.toFixed(1)} ms one at a time, ${sshGParallelMs.toFixed(1)} ms/host 8 at a time`,
    );
    return [
      {
        figure: label,
        measured: secs(wall('after')),
        reference: `before issue 10 ${secs(wall('before'))}`,
        ratio: `${ratio(paired('after'))} (<= 1.10; median of ${options.rounds} rounds' ratios)`,
        verdict: paired('after') <= 1.1 ? 'pass' : 'MISS',
      },
      {
        figure: '5b   its start-up check alone (resolve every host, check its keys)',
        measured: secs(check('after')),
        reference: `before ${secs(check('before'))} (one global key check)`,
        ratio: ratio(check('after') / Math.max(check('before'), 1)),
        verdict: 'info',
      },
      {
        figure: '5c   same, every host resolved by `ssh -G` instead',
        measured: secs(wall('sshG')),
        reference: `before issue 10 ${secs(wall('before'))}`,
        ratio: ratio(paired('sshG')),
        verdict: 'info',
      },
      {
        figure: "5d   resolution per host: deploy's reader vs `ssh -G`",
        measured: `${(builtinMs * 1000).toFixed(1)} µs`,
        reference: `ssh -G ${sshGSequentialMs.toFixed(1)} ms (8 at a time: ${sshGParallelMs.toFixed(1)} ms/host)`,
        ratio: `${ratio(sshGSequentialMs / builtinMs, 0)}x`,
        verdict: 'info',
      },
    ];
  } finally {
    await Promise.all((fleet?.fleets ?? []).map((one) => one.stop()));
    if (fleet !== undefined) rmSync(fleet.dir, { recursive: true, force: true });
    rmSync(before.dir, { recursive: true, force: true });
  }
}
