/**
 * End-to-end test fleet: real OpenSSH servers on loopback addresses, started and stopped by
 * the test code itself (no system service). See README.md beside this file.
 *
 * Each host is one `sshd -D` in its own mount namespace (where its folder `host.root` is bind
 * mounted on /srv/fleet) and its own pid namespace (so stopping a host kills every process it
 * started, and orphans are reaped by its sshd). Every host listens on `<address>:<port>`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FleetHost {
  /** 'mw01', 'mw02', ... (zero-padded, 2 digits). */
  name: string;
  /** '127.0.1.2', '127.0.1.3', ... (first host is .2; the network is an option). */
  address: string;
  /** The port every sshd listens on (default 2222). */
  port: number;
  /** Folder on THIS machine that the host sees as /srv/fleet. */
  root: string;
}

export type RestartBehaviour =
  | { kind: 'ok'; sleepMs?: number; stdout?: string; stderr?: string } // exit 0
  | { kind: 'exit'; code: number; sleepMs?: number; stdout?: string; stderr?: string }
  | { kind: 'hang' } // sleeps until killed; its pid is in /srv/fleet/restart.pid
  | { kind: 'talk'; everyMs: number; totalMs: number } // a line every everyMs for totalMs, then exit 0
  | { kind: 'silent'; ms: number } // prints nothing for ms, then exit 0
  /** Kills its own sshd session process: the connection drops mid-command. Addition: it can
   * first print `stdout` and wait `afterMs`. */
  | { kind: 'drop'; afterMs?: number; stdout?: string };

export interface SshdFleet {
  hosts: FleetHost[];
  /** 'root' */
  user: string;
  /** Unencrypted ed25519 private key authorized on every host. */
  clientKeyPath: string;
  /** known_hosts with every host's key: odd hosts (mw01, mw03, ...) hashed, even hosts plain. */
  knownHostsPath: string;
  /** ssh_config with one block per host (Host, HostName, Port, User, IdentityFile). */
  sshConfigPath: string;
  /** '/srv/fleet/bin/restart-php-fpm' (as seen on the hosts). */
  restartScript: string;
  /** '/srv/fleet/deploy' (as seen on the hosts); host.root + '/deploy' on this machine. */
  deployDir: string;
  setBehaviour(host: string, behaviour: RestartBehaviour): Promise<void>;
  restartLog(host: string): Promise<Array<{ at: number; args: string[] }>>;
  isRestartRunning(host: string): Promise<boolean>;
  /** Kills that host: its sshd and every process it started (open connections drop, new ones
   * are refused). */
  stopHost(host: string): Promise<void>;
  /** New host key, host restarted (open connections drop); knownHostsPath is NOT updated. */
  changeHostKey(host: string): Promise<void>;
  stop(): Promise<void>;

  // ---- additions to the contract ----
  /** The fleet's temp dir (keys, configs, hosts/<name>/ roots). Removed by stop(). */
  dir: string;
  /** Starts a host again after stopHost (same host key). No-op when it is running. */
  startHost(host: string): Promise<void>;
  /** SIGKILLs every process the fake script started on that host; resolves to how many. */
  killRestart(host: string): Promise<number>;
  /** Arguments for the system `ssh` client to reach that host with strict host key checking,
   * e.g. spawn('ssh', [...fleet.sshArgs('mw01'), 'uptime']). */
  sshArgs(host: string): string[];
  /** Pids (as seen from this process) of every live process the fleet started: each host's
   * launcher (setpriv/unshare) and everything in the hosts' pid namespaces (sshd, sessions and
   * what they ran). Tests look at these, never at the machine's other processes. */
  processes(): number[];
}

const SSHD = '/usr/sbin/sshd';
const FLEET_MOUNT = '/srv/fleet';
const START_TIMEOUT_MS = 10_000;
const FAKE_RESTART_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-restart.sh');
const CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** True when /usr/sbin/sshd exists, we are root, and `unshare` can make mount + pid namespaces. */
export function sshdAvailable(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (!isExecutable(SSHD) || findOnPath('ssh-keygen') === undefined) return false;
  const probe = spawnSync('unshare', ['--fork', '--pid', '--mount-proc', '--propagation', 'private', '--', 'true'], {
    stdio: 'ignore',
    timeout: 5_000,
    env: { PATH: CHILD_PATH },
  });
  return probe.status === 0;
}

interface HostState {
  host: FleetHost;
  index: number;
  etcDir: string;
  configPath: string;
  hostKeyPath: string;
  proc: ChildProcess | undefined;
  exited: Promise<void> | undefined;
  /** Pid namespaces this host runs in now ('pid:[4026532...]'); forgotten once emptied. */
  pidNamespaces: Set<string>;
  stderrTail: string;
}

/** Starts `count` sshd hosts on 127.0.1.2, 127.0.1.3, ... and resolves once all accept TCP. */
export async function startSshdFleet(options: {
  count: number;
  port?: number;
  baseDir?: string;
  /** Addition: the third octet of the addresses (default 1: 127.0.1.2, ...). Give parallel
   * fleets different subnets (or ports). */
  subnet?: number;
  /** Addition: the addresses' first three octets, e.g. '127.0.3' (hosts 127.0.3.2, ...); instead
   * of `subnet`. Test files take theirs from test/helpers/test-network.ts. */
  network?: string;
  /** Addition: a network namespace made with `ip netns add <name>` (under /run/netns): the sshd
   * run in it, and their loopback addresses are reachable only from inside it. */
  netns?: string;
}): Promise<SshdFleet> {
  const count = options.count;
  const port = options.port ?? 2222;
  if (!Number.isInteger(count) || count < 1 || count > 250) {
    throw new Error(`startSshdFleet: count must be an integer from 1 to 250, got ${count}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`startSshdFleet: bad port ${port}`);
  const network = fleetNetwork(options.subnet, options.network);
  const netns = options.netns === undefined ? undefined : netnsPath(options.netns);
  if (!sshdAvailable()) {
    throw new Error('startSshdFleet: needs root, /usr/sbin/sshd, ssh-keygen and a working `unshare` (see sshdAvailable())');
  }

  const addresses = Array.from({ length: count }, (_, i) => `${network}.${i + 2}`);
  const accepts = (address: string, ms: number): Promise<boolean> =>
    netns === undefined ? tcpAccepts(address, port, ms) : tcpAcceptsIn(netns, address, port, ms);
  // Another fleet (or anything) already there would answer our polls instead of our sshd.
  const busy = (await Promise.all(addresses.map(async (a) => ((await accepts(a, 1_000)) ? a : undefined)))).filter((a) => a !== undefined);
  if (busy.length > 0) {
    throw new Error(
      `startSshdFleet: ${busy.map((a) => `${a}:${port}`).join(', ')} already accept connections (another fleet still running?); stop it or pass another port or subnet`,
    );
  }

  const baseDir = options.baseDir ?? os.tmpdir();
  await mkdir(baseDir, { recursive: true });
  const dir = await mkdtemp(path.join(baseDir, 'sshd-fleet-'));
  const fleet = new Fleet(dir, port, netns, accepts);
  try {
    await fleet.init(addresses);
    return fleet;
  } catch (error) {
    await fleet.stop().catch(() => undefined);
    throw error;
  }
}

class Fleet implements SshdFleet {
  hosts: FleetHost[] = [];
  readonly user = 'root';
  readonly clientKeyPath: string;
  readonly knownHostsPath: string;
  readonly sshConfigPath: string;
  readonly restartScript = `${FLEET_MOUNT}/bin/restart-php-fpm`;
  readonly deployDir = `${FLEET_MOUNT}/deploy`;
  private readonly states = new Map<string, HostState>();
  private readonly authorizedKeysPath: string;
  private readonly setprivPath = findOnPath('setpriv');
  private extraConfig = '';
  private stopping: Promise<void> | undefined;
  private readonly onExit = (): void => this.killAllSync();

  constructor(
    readonly dir: string,
    private readonly port: number,
    /** /run/netns/<name> when the fleet lives in a network namespace. */
    private readonly netns: string | undefined,
    private readonly accepts: (address: string, timeoutMs: number) => Promise<boolean>,
  ) {
    this.clientKeyPath = path.join(dir, 'client_ed25519');
    this.knownHostsPath = path.join(dir, 'known_hosts');
    this.sshConfigPath = path.join(dir, 'ssh_config');
    this.authorizedKeysPath = path.join(dir, 'authorized_keys');
    process.on('exit', this.onExit);
  }

  async init(addresses: string[]): Promise<void> {
    // The mount point must exist on the real filesystem; sshd needs its privsep dir.
    mkdirSync(FLEET_MOUNT, { recursive: true });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    this.hosts = addresses.map((address, i) => ({
      name: `mw${String(i + 1).padStart(2, '0')}`,
      address,
      port: this.port,
      root: path.join(this.dir, 'hosts', `mw${String(i + 1).padStart(2, '0')}`),
    }));
    for (const [index, host] of this.hosts.entries()) {
      const etcDir = path.join(this.dir, 'etc', host.name);
      this.states.set(host.name, {
        host,
        index,
        etcDir,
        configPath: path.join(etcDir, 'sshd_config'),
        hostKeyPath: path.join(etcDir, 'ssh_host_ed25519_key'),
        proc: undefined,
        exited: undefined,
        pidNamespaces: new Set(),
        stderrTail: '',
      });
    }
    const states = [...this.states.values()];

    await Promise.all([
      keygen(this.clientKeyPath, 'fleet-client'),
      ...states.map(async (s) => {
        await mkdir(s.etcDir, { recursive: true });
        await keygen(s.hostKeyPath, `fleet-${s.host.name}`);
        await this.makeRoot(s.host);
      }),
    ]);
    await writeFile(this.authorizedKeysPath, await readFile(`${this.clientKeyPath}.pub`, 'utf8'), { mode: 0o600 });
    await this.writeKnownHosts(states);
    await this.writeSshConfig();

    // One check of the config, so a bad option fails here with sshd's own message.
    const first = states[0]!;
    await writeFile(first.configPath, this.sshdConfig(first));
    // OpenSSH >= 9.8 penalizes sources that fail auth or drop: tests do that on purpose.
    if ((await run(SSHD, ['-t', '-f', first.configPath, '-o', 'PerSourcePenalties=no'])).code === 0) {
      this.extraConfig = 'PerSourcePenalties no\n';
    }
    await Promise.all(states.map((s) => writeFile(s.configPath, this.sshdConfig(s))));
    const check = await run(SSHD, ['-t', '-f', first.configPath]);
    if (check.code !== 0) {
      throw new Error(`startSshdFleet: sshd rejects ${first.configPath}: ${check.stderr.trim() || `exit ${check.code}`}`);
    }

    await Promise.all(states.map((s) => this.launch(s)));
  }

  // ---------------------------------------------------------------- contract

  async setBehaviour(host: string, behaviour: RestartBehaviour): Promise<void> {
    const s = this.state(host);
    const env = behaviourEnv(behaviour);
    await atomicWrite(path.join(s.host.root, 'behaviour.env'), env);
    await atomicWrite(path.join(s.host.root, 'behaviour.json'), `${JSON.stringify(behaviour)}\n`);
  }

  async restartLog(host: string): Promise<Array<{ at: number; args: string[] }>> {
    const s = this.state(host);
    let text: string;
    try {
      text = await readFile(path.join(s.host.root, 'restart.log'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: Array<{ at: number; args: string[] }> = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as { at?: unknown; args?: unknown };
        if (typeof entry.at === 'number' && Array.isArray(entry.args)) {
          entries.push({ at: entry.at, args: entry.args.map(String) });
        }
      } catch {
        // A line still being written: skip it.
      }
    }
    return entries;
  }

  async isRestartRunning(host: string): Promise<boolean> {
    return this.restartProcesses(this.state(host)).length > 0;
  }

  async killRestart(host: string): Promise<number> {
    const pids = this.restartProcesses(this.state(host));
    for (const pid of pids) signal(pid, 'SIGKILL');
    return pids.length;
  }

  async stopHost(host: string): Promise<void> {
    this.assertRunning();
    await this.killHost(this.state(host));
  }

  async startHost(host: string): Promise<void> {
    this.assertRunning();
    const s = this.state(host);
    if (s.proc !== undefined && s.proc.exitCode === null && s.proc.signalCode === null) return;
    await this.launch(s);
  }

  async changeHostKey(host: string): Promise<void> {
    this.assertRunning();
    const s = this.state(host);
    await this.killHost(s);
    await rm(s.hostKeyPath, { force: true });
    await rm(`${s.hostKeyPath}.pub`, { force: true });
    await keygen(s.hostKeyPath, `fleet-${s.host.name}-changed`);
    await this.launch(s);
  }

  sshArgs(host: string): string[] {
    const s = this.state(host);
    return [
      '-F',
      this.sshConfigPath,
      '-o',
      `UserKnownHostsFile=${sshConfigValue(this.knownHostsPath)}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
      s.host.name,
    ];
  }

  processes(): number[] {
    const launchers = [...this.states.values()]
      .map((s) => s.proc)
      .filter((p) => p?.pid !== undefined && p.exitCode === null && p.signalCode === null)
      .map((p) => p!.pid!);
    const namespaces = new Set([...this.states.values()].flatMap((s) => [...s.pidNamespaces]));
    return [...new Set([...launchers, ...processesIn(namespaces)])];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.states.values()].map((s) => this.killHost(s)));
      killLeftovers(this.dir, new Set([...this.states.values()].flatMap((s) => (s.proc?.pid !== undefined ? [s.proc.pid] : []))));
      process.off('exit', this.onExit);
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  // ---------------------------------------------------------------- internals

  private state(name: string): HostState {
    const s = this.states.get(name);
    if (s === undefined) {
      throw new Error(`sshd fleet: no host "${name}" (hosts: ${this.hosts.map((h) => h.name).join(', ')})`);
    }
    return s;
  }

  private assertRunning(): void {
    if (this.stopping !== undefined) throw new Error('sshd fleet: already stopped');
  }

  private async makeRoot(host: FleetHost): Promise<void> {
    await mkdir(path.join(host.root, 'deploy'), { recursive: true });
    await mkdir(path.join(host.root, 'bin'), { recursive: true });
    const script = path.join(host.root, 'bin', 'restart-php-fpm');
    await copyFile(FAKE_RESTART_SOURCE, script);
    await chmod(script, 0o755);
    await writeFile(path.join(host.root, 'behaviour.json'), `${JSON.stringify({ kind: 'ok' })}\n`);
    await writeFile(path.join(host.root, 'behaviour.env'), behaviourEnv({ kind: 'ok' }));
    await writeFile(path.join(host.root, 'restart.log'), '');
  }

  private sshdConfig(s: HostState): string {
    return (
      [
        `# sshd for fleet host ${s.host.name}, generated by test/e2e/fleet/sshd-fleet.ts`,
        `ListenAddress ${s.host.address}:${s.host.port}`,
        `HostKey ${sshConfigValue(s.hostKeyPath)}`,
        `PidFile ${sshConfigValue(path.join(s.etcDir, 'sshd.pid'))}`,
        `AuthorizedKeysFile ${sshConfigValue(this.authorizedKeysPath)}`,
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'HostbasedAuthentication no',
        'UsePAM no',
        'MaxStartups 200',
        'MaxSessions 50',
        'LogLevel ERROR',
        'ClientAliveInterval 0',
        'UseDNS no',
        'PrintMotd no',
        'PrintLastLog no',
        'X11Forwarding no',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n') + this.extraConfig
    );
  }

  private async writeKnownHosts(states: HostState[]): Promise<void> {
    const lines: string[] = [];
    for (const s of states) {
      const [type, key] = (await readFile(`${s.hostKeyPath}.pub`, 'utf8')).trim().split(/\s+/);
      const name = s.host.port === 22 ? s.host.address : `[${s.host.address}]:${s.host.port}`;
      // mw01, mw03, ... (index 0, 2, ...) hashed; mw02, mw04, ... plain.
      lines.push(`${s.index % 2 === 0 ? hashKnownHost(name) : name} ${type} ${key}`);
    }
    await writeFile(this.knownHostsPath, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  private async writeSshConfig(): Promise<void> {
    const blocks = this.hosts.map((h) =>
      [`Host ${h.name}`, `  HostName ${h.address}`, `  Port ${h.port}`, `  User ${this.user}`, `  IdentityFile ${sshConfigValue(this.clientKeyPath)}`, ''].join(
        '\n',
      ),
    );
    await writeFile(this.sshConfigPath, blocks.join('\n'), { mode: 0o600 });
  }

  /** Spawns the host's sshd in fresh mount + pid namespaces and waits until it accepts TCP. */
  private async launch(s: HostState): Promise<void> {
    // This machine's ~root/.bashrc (bash reads it for every ssh command) is hidden behind
    // /dev/null: a host runs its commands as a bare host would, not through a developer's
    // shell setup (which can take a second per command and makes "exits at once" untrue).
    const inner = [
      'mount --bind "$FLEET_HOST_ROOT" /srv/fleet',
      '{ [ ! -f "$FLEET_ROOT_BASHRC" ] || mount --bind /dev/null "$FLEET_ROOT_BASHRC"; }',
      'exec "$FLEET_SSHD" -D -e -f "$FLEET_SSHD_CONFIG"',
    ].join(' && ');
    const unshareArgv = ['unshare', '--fork', '--kill-child', '--pid', '--mount-proc', '--mount', '--propagation', 'private', '--', 'sh', '-c', inner];
    // setpriv --pdeathsig: if this process dies without running exit handlers (SIGKILL), the
    // kernel kills unshare, whose --kill-child kills the sshd, which takes its namespace along.
    // nsenter --net joins the fleet's network namespace and execs unshare (no extra process).
    const unshare = this.netns !== undefined ? ['nsenter', `--net=${this.netns}`, '--', ...unshareArgv] : unshareArgv;
    const argv = this.setprivPath !== undefined ? [this.setprivPath, '--pdeathsig', 'KILL', '--', ...unshare] : unshare;
    const proc = spawn(argv[0]!, argv.slice(1), {
      detached: true, // own process group: stop() signals the group
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: CHILD_PATH,
        FLEET_HOST_ROOT: s.host.root,
        FLEET_ROOT_BASHRC: path.join(rootHome(), '.bashrc'),
        FLEET_SSHD: SSHD,
        FLEET_SSHD_CONFIG: s.configPath,
      },
    });
    s.proc = proc;
    s.stderrTail = '';
    s.exited = new Promise((resolve) => {
      // A host that dies by itself takes its namespace along: sweep and forget it then too.
      proc.once('exit', () => void this.sweepNamespaces(s).then(resolve));
      proc.once('error', (error) => {
        s.stderrTail += `spawn failed: ${error.message}\n`;
        resolve();
      });
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      s.stderrTail = (s.stderrTail + chunk).slice(-4_000);
    });
    // Don't keep the event loop alive for the servers: the exit handler kills them.
    proc.unref();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();

    const label = `${s.host.name} (${s.host.address}:${s.host.port})`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null || s.stderrTail.startsWith('spawn failed')) {
        throw new Error(`sshd fleet: sshd for ${label} exited at start (${proc.exitCode ?? proc.signalCode}): ${s.stderrTail.trim()}`);
      }
      if (await this.accepts(s.host.address, 500)) {
        if (proc.exitCode === null && proc.signalCode === null) break;
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `sshd fleet: ${label} did not accept TCP connections within ${START_TIMEOUT_MS / 1000} s; sshd said: ${s.stderrTail.trim() || '(nothing)'}`,
        );
      }
      await delay(40);
    }
    const ns = readLink(`/proc/${proc.pid}/ns/pid_for_children`);
    if (ns !== undefined && ns !== readLink('/proc/self/ns/pid')) s.pidNamespaces.add(ns);
  }

  /** Kills the host's sshd and, with it, every process in its pid namespace. */
  private async killHost(s: HostState): Promise<void> {
    const proc = s.proc;
    if (proc === undefined || proc.pid === undefined) return;
    const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
    if (alive()) {
      // unshare passes SIGTERM on to the sshd (pid 1 of the namespace); its exit kills the rest.
      signal(-proc.pid, 'SIGTERM');
      if (!(await within(s.exited!, 1_500))) {
        signal(-proc.pid, 'SIGKILL');
        signal(proc.pid, 'SIGKILL');
        if (!(await within(s.exited!, 3_000))) throw new Error(`sshd fleet: sshd for ${s.host.name} (pid ${proc.pid}) would not die`);
      }
    }
    await this.sweepNamespaces(s);
  }

  /**
   * Belt and braces once a host's launcher is gone: nothing may outlive its host. Then forget
   * its namespaces: an emptied namespace's id can be given to another suite's new one, and we
   * must never kill processes we did not start.
   */
  private async sweepNamespaces(s: HostState): Promise<void> {
    const namespaces = new Set(s.pidNamespaces);
    for (let tries = 0; tries < 20; tries += 1) {
      const left = processesIn(namespaces);
      if (left.length === 0) break;
      for (const pid of left) signal(pid, 'SIGKILL');
      await delay(50);
    }
    for (const ns of namespaces) s.pidNamespaces.delete(ns);
  }

  private restartProcesses(s: HostState): number[] {
    let innerPid: number | undefined;
    try {
      innerPid = Number(readFileSync(path.join(s.host.root, 'restart.pid'), 'utf8').trim()) || undefined;
    } catch {
      innerPid = undefined;
    }
    const found: number[] = [];
    for (const pid of processesIn(s.pidNamespaces)) {
      const status = readText(`/proc/${pid}/status`);
      if (status === undefined || /^State:\s*[ZX]/m.test(status)) continue;
      const nsPids = /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
      const innerOfPid = Number(nsPids?.[nsPids.length - 1]);
      const marked = (readText(`/proc/${pid}/environ`) ?? '').split('\0').includes('FLEET_FAKE_RESTART=1');
      if (marked || (innerPid !== undefined && innerOfPid === innerPid)) found.push(pid);
    }
    return found;
  }

  /** Synchronous last resort, from process.on('exit'). */
  private killAllSync(): void {
    for (const s of this.states.values()) {
      const pid = s.proc?.pid;
      if (pid !== undefined && s.proc?.exitCode === null && s.proc.signalCode === null) {
        signal(-pid, 'SIGKILL');
        signal(pid, 'SIGKILL');
      }
      for (const p of processesIn(s.pidNamespaces)) signal(p, 'SIGKILL');
    }
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

// -------------------------------------------------------------------- helpers

/** The addresses' first three octets, from `subnet` (third octet under 127.0) or `network`. */
function fleetNetwork(subnet: number | undefined, network: string | undefined): string {
  if (subnet !== undefined && network !== undefined) throw new Error('startSshdFleet: pass subnet or network, not both');
  if (network !== undefined) {
    const octets = /^127\.(\d{1,3})\.(\d{1,3})$/.exec(network);
    if (octets === null || Number(octets[1]) > 255 || Number(octets[2]) > 255) {
      throw new Error(`startSshdFleet: network must be 127.A.B (a loopback /24), got "${network}"`);
    }
    return network;
  }
  const third = subnet ?? 1;
  if (!Number.isInteger(third) || third < 0 || third > 255) throw new Error(`startSshdFleet: bad subnet ${third}`);
  return `127.0.${third}`;
}

function behaviourEnv(b: RestartBehaviour): string {
  const ms = (name: string, value: unknown): number => {
    if (value === undefined) return 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`setBehaviour: ${name} must be a non-negative integer, got ${String(value)}`);
    }
    return value;
  };
  const vars: Record<string, string | number> = { B_KIND: b.kind };
  switch (b.kind) {
    case 'ok':
    case 'exit':
      vars.B_SLEEP_MS = ms('sleepMs', b.sleepMs);
      vars.B_STDOUT = b.stdout ?? '';
      vars.B_STDERR = b.stderr ?? '';
      if (b.kind === 'exit') {
        if (!Number.isInteger(b.code) || b.code < 0 || b.code > 255) throw new Error(`setBehaviour: exit code must be 0..255, got ${b.code}`);
        vars.B_CODE = b.code;
      }
      break;
    case 'hang':
      break;
    case 'talk':
      vars.B_EVERY_MS = ms('everyMs', b.everyMs);
      vars.B_TOTAL_MS = ms('totalMs', b.totalMs);
      if (vars.B_EVERY_MS === 0) throw new Error('setBehaviour: talk.everyMs must be > 0');
      break;
    case 'silent':
      vars.B_MS = ms('ms', b.ms);
      break;
    case 'drop':
      vars.B_AFTER_MS = ms('afterMs', b.afterMs);
      vars.B_STDOUT = b.stdout ?? '';
      break;
    default:
      throw new Error(`setBehaviour: unknown kind ${JSON.stringify((b as { kind?: unknown }).kind)}`);
  }
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${shellQuote(String(v))}`)
    .join('\n')}\n`;
}

function shellQuote(s: string): string {
  if (s.includes('\0')) throw new Error('setBehaviour: NUL characters cannot be passed to the fake script');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A value for ssh/sshd config files: quoted when it has blanks. */
function sshConfigValue(s: string): string {
  if (/["\\]/.test(s)) throw new Error(`sshd fleet: path not usable in an ssh config: ${s}`);
  return /\s/.test(s) ? `"${s}"` : s;
}

/** known_hosts hashed form: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashKnownHost(name: string): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

async function atomicWrite(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

async function keygen(file: string, comment: string): Promise<void> {
  const r = await run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', comment, '-f', file]);
  if (r.code !== 0) throw new Error(`sshd fleet: ssh-keygen for ${file} failed: ${r.stderr.trim()}`);
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: CHILD_PATH }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error?.message ?? '') });
    });
  });
}

function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether `host:port` accepts a TCP connection from inside the network namespace at `nsPath`. */
function tcpAcceptsIn(nsPath: string, host: string, port: number, timeoutMs: number): Promise<boolean> {
  // bash's /dev/tcp connects; host and port go in as $0 and $1, never into the script.
  const seconds = String(Math.max(timeoutMs, 100) / 1000);
  const argv = [`--net=${nsPath}`, '--', 'timeout', seconds, 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1"', host, String(port)];
  return new Promise((resolve) => {
    const child = spawn('nsenter', argv, { stdio: 'ignore', env: { PATH: CHILD_PATH } });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** /run/netns/<name> of a namespace made with `ip netns add <name>`; throws when there is none. */
function netnsPath(name: string): string {
  const file = `/run/netns/${name}`;
  if (!/^[A-Za-z0-9_.-]{1,60}$/.test(name) || !existsSync(file)) {
    throw new Error(`startSshdFleet: no network namespace "${name}" (${file}); make it with ip netns add`);
  }
  return file;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `p` settles within `ms`. */
async function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  if (pid === 0 || pid === process.pid || pid === -process.pid || Math.abs(pid) === 1) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function readLink(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

/** Pids (as seen here) of the processes living in any of these pid namespaces. */
function processesIn(namespaces: Set<string>): number[] {
  if (namespaces.size === 0) return [];
  const own = readLink('/proc/self/ns/pid');
  return allPids().filter((pid) => {
    const ns = readLink(`/proc/${pid}/ns/pid`);
    return ns !== undefined && ns !== own && namespaces.has(ns);
  });
}

/**
 * SIGKILLs processes whose cwd or command line is in `dir`, other than this one, its ancestors
 * and its children that are not `launchers`: a client this process started (an `ssh` to a host)
 * is the test's to wait for, and sees its connection drop when the host goes.
 */
function killLeftovers(dir: string, launchers: ReadonlySet<number>): void {
  const spare = new Set<number>([process.pid]);
  for (let pid = process.ppid; pid > 1 && !spare.has(pid); ) {
    spare.add(pid);
    pid = Number(/^PPid:\s*(\d+)/m.exec(readText(`/proc/${pid}/status`) ?? '')?.[1] ?? 0);
  }
  const inDir = (p: string | undefined): boolean => p !== undefined && (p === dir || p.includes(`${dir}/`));
  for (const pid of allPids()) {
    if (spare.has(pid)) continue;
    const parent = Number(/^PPid:\s*(\d+)/m.exec(readText(`/proc/${pid}/status`) ?? '')?.[1]);
    if (parent === process.pid && !launchers.has(pid)) continue;
    const cwd = readLink(`/proc/${pid}/cwd`);
    const cmdline = readText(`/proc/${pid}/cmdline`)?.split('\0').join(' ');
    if (inDir(cwd) || inDir(cmdline)) signal(pid, 'SIGKILL');
  }
}

/** root's home folder as sshd sees it (from the password database, not $HOME). */
function rootHome(): string {
  try {
    return os.userInfo().homedir || '/root';
  } catch {
    return '/root';
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(cmd: string): string | undefined {
  const dirs = `${process.env.PATH ?? ''}:${CHILD_PATH}`.split(':').filter((d) => d !== '');
  for (const d of dirs) {
    const p = path.join(d, cmd);
    if (existsSync(p) && isExecutable(p)) return p;
  }
  return undefined;
}
