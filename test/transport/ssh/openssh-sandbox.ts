/**
 * Runs the real OpenSSH client as if this user's home were a temp folder and
 * /etc/ssh/ssh_config a test file: each run is `unshare --mount` with /etc/passwd (ssh reads its
 * home from there, not from $HOME) and /etc/ssh/ssh_config bind-mounted over, in a private
 * mount namespace. Nothing on the machine changes. Needs root and util-linux `unshare`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { LocalFacts } from '../../../src/transport/ssh/config/resolved-host.js';

export interface OpenSshSandbox {
  dir: string;
  /** The home folder ssh sees (its ~/.ssh exists, mode 700). */
  home: string;
  /** What ssh reads as /etc/ssh/ssh_config. */
  systemConfig: string;
  /** This machine's facts with the sandbox's home, for deploy's resolver. */
  local: LocalFacts;
  /** Run `ssh <args>` (or another client binary) in the sandbox. */
  run(
    args: readonly string[],
    options?: { env?: NodeJS.ProcessEnv; binary?: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The argv prefix that runs a command in the sandbox (to spawn it yourself). */
  wrap(command: readonly string[]): string[];
  remove(): void;
}

const SANDBOX_SCRIPT = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/ssh/ssh_config && shift 2 && exec "$@"';

/** True when this machine can run the sandbox (root, ssh, unshare, /etc/ssh/ssh_config). */
export function openSshSandboxAvailable(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/etc/ssh/ssh_config')) return false;
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'ssh', '-V'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

export function createOpenSshSandbox(prefix = 'deploy-openssh-'): OpenSshSandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const user = userInfo();
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      if (fields[0] !== user.username) return line;
      fields[5] = home;
      return fields.join(':');
    })
    .join('\n');
  const passwdPath = join(dir, 'passwd');
  writeFileSync(passwdPath, passwd);
  const systemConfig = join(dir, 'system_ssh_config');
  writeFileSync(systemConfig, '');
  const wrap = (command: readonly string[]): string[] => [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    SANDBOX_SCRIPT,
    'openssh-sandbox',
    passwdPath,
    systemConfig,
    ...command,
  ];
  return {
    dir,
    home,
    systemConfig,
    local: { thisHost: hostname(), uid: user.uid, home, localUser: user.username },
    wrap,
    async run(args, options = {}) {
      const [file, ...rest] = wrap([options.binary ?? 'ssh', ...args]);
      const result = await execa(file!, rest, {
        reject: false,
        stdin: 'ignore',
        env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: user.username },
        extendEnv: false,
        timeout: options.timeoutMs ?? 20_000,
      });
      return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
