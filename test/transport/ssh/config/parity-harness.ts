/**
 * Compares deploy's ssh_config resolution with OpenSSH's `ssh -G` for one case: both read the
 * same files (the sandbox makes ssh's home and /etc/ssh/ssh_config test files), get the same
 * `-l`/`-p`/`-J`, and must agree on every setting deploy uses.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SshResolver } from '../../../../src/transport/ssh/config/resolver.js';
import type { ResolveRequest } from '../../../../src/transport/ssh/config/resolve-builtin.js';
import { parseSshG, sshGArguments } from '../../../../src/transport/ssh/config/resolve-openssh.js';
import type { ResolvedHost } from '../../../../src/transport/ssh/config/resolved-host.js';
import { formatJumpHop } from '../../../../src/transport/ssh/config/jump-spec.js';
import type { OpenSshSandbox } from '../openssh-sandbox.js';

export interface ParityCase {
  name: string;
  /** Files to write, by path under the sandbox folder; `{dir}` and `{home}` are replaced. */
  files: Record<string, string>;
  host: string;
  user?: string;
  port?: number;
  proxyJump?: string;
  /** Give this file as `-F` (the deploy config's ssh_config); else ~/.ssh/config + the system config. */
  configFile?: string;
  env?: Record<string, string>;
  /** File modes to set after writing (e.g. a group-writable include). */
  modes?: Record<string, number>;
}

/** The settings compared, in a form both sides print the same way. */
export function comparable(host: ResolvedHost): Record<string, unknown> {
  return {
    hostname: host.hostName,
    port: host.port,
    user: host.user,
    identityfile: host.identityFiles,
    identitiesonly: host.identitiesOnly,
    identityagent: host.identityAgent,
    proxyjump: host.proxyJump?.map(formatJumpHop).join(','),
    proxycommand: host.proxyCommand,
    userknownhostsfile: host.userKnownHostsFiles,
    globalknownhostsfile: host.globalKnownHostsFiles,
    hostkeyalias: host.hostKeyAlias,
    certificatefile: host.certificateFiles,
  };
}

export type Outcome = { ok: true; settings: Record<string, unknown>; by?: string } | { ok: false; error: string };

export interface ParityResult {
  openssh: Outcome;
  deploy: Outcome;
}

/** Write the case's files, reset what the previous case left. */
function writeCase(sandbox: OpenSshSandbox, testCase: ParityCase, written: Set<string>): void {
  for (const path of written) rmSync(join(sandbox.dir, path), { force: true });
  written.clear();
  writeFileSync(sandbox.systemConfig, '');
  writeFileSync(join(sandbox.home, '.ssh', 'config'), '', { mode: 0o600 });
  for (const [path, content] of Object.entries(testCase.files)) {
    const full = join(sandbox.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content.replaceAll('{dir}', sandbox.dir).replaceAll('{home}', sandbox.home));
    if (testCase.modes?.[path] !== undefined) chmodSync(full, testCase.modes[path]);
    if (path !== 'home/.ssh/config' && path !== 'system_ssh_config') written.add(path);
  }
}

export async function runParityCase(sandbox: OpenSshSandbox, testCase: ParityCase, written: Set<string>): Promise<ParityResult> {
  writeCase(sandbox, testCase, written);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sandbox.home, USER: sandbox.local.localUser, ...testCase.env };
  const request: ResolveRequest = {
    host: testCase.host,
    ...(testCase.user !== undefined ? { user: testCase.user } : {}),
    ...(testCase.port !== undefined ? { port: testCase.port } : {}),
    ...(testCase.proxyJump !== undefined ? { proxyJump: testCase.proxyJump } : {}),
  };
  const configPath = testCase.configFile !== undefined ? join(sandbox.dir, testCase.configFile) : undefined;

  const ran = await sandbox.run(sshGArguments(request, configPath), { env });
  let openssh: Outcome;
  if (ran.code === 0) {
    try {
      openssh = { ok: true, settings: comparable(parseSshG(ran.stdout, request, { ...sandbox.local, env })) };
    } catch (error) {
      // ssh -G prints IdentityFile unexpanded; ssh itself stops when expanding it fails.
      openssh = { ok: false, error: (error as Error).message };
    }
  } else {
    openssh = { ok: false, error: ran.stderr.trim() };
  }

  // deploy's own reader only: no ssh binary to fall back on.
  const resolver = new SshResolver({
    ...(configPath !== undefined ? { configPath } : {}),
    local: sandbox.local,
    env,
    ssh: undefined,
    timeoutMs: 10_000,
    systemConfigPath: sandbox.systemConfig,
  });
  let deploy: Outcome;
  try {
    const resolved = await resolver.resolve(request);
    deploy = { ok: true, settings: comparable(resolved), by: resolved.resolvedBy };
  } catch (error) {
    deploy = { ok: false, error: (error as Error).message };
  }
  return { openssh, deploy };
}
