/**
 * Runs one conformance case both ways: OpenSSH (`ssh -G` for resolution, then a real
 * `ssh ... true` in BatchMode with strict host key checking) and deploy (its resolution, its
 * start-up check and a real connection running `true`), on the same files and settings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { checkSshAuth } from '../../../src/transport/ssh/auth-check.js';
import { parseSshG } from '../../../src/transport/ssh/config/resolve-openssh.js';
import type { ResolvedHost } from '../../../src/transport/ssh/config/resolved-host.js';
import type { SshTransportOptions } from '../../../src/transport/ssh/options.js';
import { targetRequest } from '../../../src/transport/ssh/route.js';
import { createSshContext } from '../../../src/transport/ssh/ssh-context.js';
import { createSshTransport } from '../../../src/transport/ssh/ssh-transport.js';
import { comparable } from '../../transport/ssh/config/parity-harness.js';
import type { OpenSshSandbox } from '../../transport/ssh/openssh-sandbox.js';

export interface ConformanceCase {
  name: string;
  /** Files under the sandbox folder (`home/...` is ssh's home); `@copy:<path>` copies a file. */
  files: Record<string, string>;
  host: string;
  /** The deploy config's ssh_* keys, set explicitly (paths relative to the sandbox folder for config). */
  deploy?: { user?: string; port?: number; key?: string; knownHosts?: string; proxyJump?: string; config?: string };
  /** Keys (placeholders) to load into a fresh ssh-agent, whose socket is SSH_AUTH_SOCK unless agentVar says otherwise. */
  agent?: string[];
  /** Set SSH_AUTH_SOCK (default) or leave it unset (the config points at the agent itself). */
  agentInEnv?: boolean;
  /** What OpenSSH does: the case checks its own setup with this. */
  openssh: 'accepts' | 'refuses';
  /** For a refusal (or the certificate case): what deploy's line must say. */
  deploySays?: RegExp;
  /** Certificates: OpenSSH accepts, deploy must refuse with the clear line. */
  certificate?: boolean;
}

export interface CaseOutcome {
  openssh: { ok: boolean; said: string; settings?: Record<string, unknown> };
  deploy: { ok: boolean; said: string; settings?: Record<string, unknown>; resolvedBy?: string };
}

export function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{([a-z0-9:_]+)\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`conformance case: unknown placeholder ${whole}`);
    return value;
  });
}

const STRICT = '\nHost *\n  BatchMode yes\n  StrictHostKeyChecking yes\n  UpdateHostKeys no\n  ConnectTimeout 30\n';

function writeFiles(sandbox: OpenSshSandbox, testCase: ConformanceCase, vars: Record<string, string>): void {
  rmSync(join(sandbox.dir, 'case'), { recursive: true, force: true });
  rmSync(join(sandbox.home, '.ssh'), { recursive: true, force: true });
  mkdirSync(join(sandbox.home, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(sandbox.systemConfig, '');
  for (const [path, content] of Object.entries(testCase.files)) {
    const full = join(sandbox.dir, fill(path, vars));
    mkdirSync(dirname(full), { recursive: true });
    if (content.startsWith('@copy:')) copyFileSync(fill(content.slice('@copy:'.length), vars), full);
    else writeFileSync(full, fill(content, vars));
    chmodSync(full, 0o600);
  }
  // The jump hosts' own ssh must not prompt either, and no ssh may add keys to known_hosts
  // (UpdateHostKeys) behind the next case's back: BatchMode, strict checking, no updates.
  const main = testCase.deploy?.config !== undefined ? join(sandbox.dir, testCase.deploy.config) : sandbox.systemConfig;
  writeFileSync(main, STRICT, { flag: 'a' });
}

function sshOptions(testCase: ConformanceCase, sandbox: OpenSshSandbox, vars: Record<string, string>): string[] {
  const d = testCase.deploy ?? {};
  return [
    ...(d.config !== undefined ? ['-F', join(sandbox.dir, d.config)] : []),
    ...(d.user !== undefined ? ['-l', d.user] : []),
    ...(d.port !== undefined ? ['-p', String(d.port)] : []),
    ...(d.key !== undefined ? ['-i', fill(d.key, vars)] : []),
    ...(d.knownHosts !== undefined ? ['-o', `UserKnownHostsFile=${fill(d.knownHosts, vars)}`, '-o', 'GlobalKnownHostsFile=none'] : []),
    ...(d.proxyJump !== undefined ? ['-o', `ProxyJump=${fill(d.proxyJump, vars)}`] : []),
  ];
}

function deployOptions(testCase: ConformanceCase, sandbox: OpenSshSandbox, vars: Record<string, string>, env: NodeJS.ProcessEnv): SshTransportOptions {
  const d = testCase.deploy ?? {};
  return {
    user: d.user ?? 'root',
    port: d.port ?? 22,
    ...(d.key !== undefined ? { keyPath: fill(d.key, vars) } : {}),
    ...(d.knownHosts !== undefined ? { knownHostsPath: fill(d.knownHosts, vars) } : {}),
    ...(d.config !== undefined ? { sshConfigPath: join(sandbox.dir, d.config) } : {}),
    ...(d.proxyJump !== undefined ? { proxyJump: fill(d.proxyJump, vars) } : {}),
    connectTimeoutMs: 30_000,
    connectRetries: 0,
    explicit: { user: d.user !== undefined, port: d.port !== undefined, keyPath: d.key !== undefined },
    env,
    systemSshConfigPath: sandbox.systemConfig,
  };
}

/** What deploy uses, with the deploy config's overrides applied as the transport applies them. */
function effective(resolved: ResolvedHost, options: SshTransportOptions): Record<string, unknown> {
  const settings = comparable(resolved);
  if (options.knownHostsPath !== undefined) {
    settings.userknownhostsfile = [options.knownHostsPath];
    settings.globalknownhostsfile = [];
  }
  if (options.explicit.keyPath) delete settings.identityfile;
  return settings;
}

async function startAgent(dir: string, keys: string[]): Promise<{ socket: string; process: ChildProcess }> {
  const socket = join(dir, `agent-${process.pid}-${Date.now()}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  if (keys.length > 0) await execa('ssh-add', ['-q', ...keys], { env: { SSH_AUTH_SOCK: socket } });
  return { socket, process: child };
}

export async function runCase(sandbox: OpenSshSandbox, testCase: ConformanceCase, vars: Record<string, string>): Promise<CaseOutcome> {
  const agent =
    testCase.agent !== undefined
      ? await startAgent(
          sandbox.dir,
          testCase.agent.map((key) => fill(key, vars)),
        )
      : undefined;
  try {
    const caseVars = { ...vars, agent: agent?.socket ?? '', dir: sandbox.dir, home: sandbox.home };
    writeFiles(sandbox, testCase, caseVars);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sandbox.home, USER: sandbox.local.localUser };
    if (agent !== undefined && testCase.agentInEnv !== false) env.SSH_AUTH_SOCK = agent.socket;
    const options = deployOptions(testCase, sandbox, caseVars, env);
    const request = targetRequest(testCase.host, options);

    // OpenSSH
    const extra = sshOptions(testCase, sandbox, caseVars);
    const printed = await sandbox.run(['-G', ...extra, '--', testCase.host], { env });
    const connected = await sandbox.run([...extra, '--', testCase.host, 'true'], { env, timeoutMs: 120_000 });
    const openssh: CaseOutcome['openssh'] = { ok: connected.code === 0, said: connected.stderr.trim() };
    if (printed.code === 0) {
      try {
        // ssh -G got the same -o/-l/-p/-i: what it prints already has the overrides (but -i adds a key).
        const settings = comparable(parseSshG(printed.stdout, request, { ...sandbox.local, env }));
        if (options.explicit.keyPath) delete settings.identityfile;
        openssh.settings = settings;
      } catch (error) {
        openssh.said = `${openssh.said} (${(error as Error).message})`;
      }
    }

    // deploy
    const context = createSshContext(options);
    const deploy: CaseOutcome['deploy'] = { ok: false, said: '' };
    try {
      const resolved = await context.resolver.resolve(request);
      deploy.settings = effective(resolved, options);
      deploy.resolvedBy = resolved.resolvedBy;
    } catch (error) {
      deploy.said = (error as Error).message;
    }
    const transport = createSshTransport(options, context);
    try {
      await checkSshAuth(context, [testCase.host]);
      const result = await transport.exec(testCase.host, ['true'], { signal: new AbortController().signal });
      deploy.ok = result.exitCode === 0;
      deploy.said = `exit ${result.exitCode} ${result.stderr}`.trim();
    } catch (error) {
      deploy.said = (error as Error).message;
    } finally {
      await transport.close();
    }
    return { openssh, deploy };
  } finally {
    agent?.process.kill();
  }
}
