import { execFile } from 'node:child_process';
import { oneLine } from '../../../lib/text.js';
import { SshConfigError } from './errors.js';
import { parseJumpList } from './jump-spec.js';
import type { ResolveRequest } from './resolve-builtin.js';
import { type LocalFacts, type ResolvedHost, connectionInfo } from './resolved-host.js';
import { expandPath, expandTilde } from './tokens.js';

export interface OpenSshEnvironment extends LocalFacts {
  /** The `ssh` binary. */
  ssh: string;
  /** `-F` when the deploy config names the ssh_config file. */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** `ssh -G` arguments for a request: its user, port and jump list as `-l`, `-p`, `-o ProxyJump=`. */
export function sshGArguments(request: ResolveRequest, configPath?: string): string[] {
  return [
    '-G',
    ...(configPath !== undefined ? ['-F', configPath] : []),
    ...(request.user !== undefined ? ['-l', request.user] : []),
    ...(request.port !== undefined ? ['-p', String(request.port)] : []),
    ...(request.proxyJump !== undefined ? ['-o', `ProxyJump=${request.proxyJump}`] : []),
    '--',
    request.host,
  ];
}

/** Run `ssh -G` (it evaluates `Match exec` too, as ssh would) and read what it printed. */
export function resolveWithOpenSsh(request: ResolveRequest, environment: OpenSshEnvironment): Promise<ResolvedHost> {
  return new Promise((resolve, reject) => {
    execFile(
      environment.ssh,
      sshGArguments(request, environment.configPath),
      { env: environment.env, timeout: environment.timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          const said = oneLine(
            String(stderr)
              .replace(/^Pseudo-terminal will not be allocated.*$/gm, '')
              .trim(),
          );
          const why = said !== '' ? said : error.killed ? `no answer within ${environment.timeoutMs} ms` : error.message;
          reject(new SshConfigError(`ssh -G ${request.host}: ${why}`));
          return;
        }
        try {
          resolve(parseSshG(String(stdout), request, environment));
        } catch (parseError) {
          reject(parseError);
        }
      },
    );
  });
}

/** The settings deploy uses, from `ssh -G` output (`keyword value` lines). */
export function parseSshG(output: string, request: ResolveRequest, local: LocalFacts & { env: NodeJS.ProcessEnv }): ResolvedHost {
  const values = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const match = /^(\S+) (.*)$/.exec(line);
    if (match === null) continue;
    const key = match[1]!.toLowerCase();
    values.set(key, [...(values.get(key) ?? []), match[2]!]);
  }
  const one = (key: string): string | undefined => values.get(key)?.[0];
  const hostName = one('hostname');
  const port = Number(one('port'));
  const user = one('user');
  if (hostName === undefined || user === undefined || !Number.isInteger(port)) {
    throw new SshConfigError(`ssh -G ${request.host} printed no hostname, user or port`);
  }
  const hostKeyAlias = one('hostkeyalias');
  const base = { alias: request.host, hostName, port, user, ...(hostKeyAlias !== undefined ? { hostKeyAlias } : {}) };
  const info = connectionInfo(base, local);
  const expand = (path: string): string => expandPath(path, info, local.env);
  const words = (key: string): string[] => (one(key) ?? '').split(' ').filter((word) => word !== '');
  const resolved: ResolvedHost = {
    ...base,
    identityFiles: (values.get('identityfile') ?? []).filter((file) => file.toLowerCase() !== 'none').map(expand),
    identitiesOnly: one('identitiesonly') === 'yes',
    userKnownHostsFiles: noneIsEmpty(words('userknownhostsfile')),
    // ssh -G prints these before expanding ~ in them.
    globalKnownHostsFiles: noneIsEmpty(words('globalknownhostsfile')).map((path) => expandTilde(path, local.home)),
    certificateFiles: (values.get('certificatefile') ?? []).map(expand),
    unsupported: one('proxyusefdpass') === 'yes' ? ['ProxyUseFdpass yes'] : [],
    unusableAuth: [],
    resolvedBy: 'ssh -G',
  };
  const agent = one('identityagent');
  if (agent !== undefined) resolved.identityAgent = agent;
  const jump = one('proxyjump');
  const command = one('proxycommand');
  if (jump !== undefined) resolved.proxyJump = parseJumpList(jump) ?? [];
  else if (command !== undefined) resolved.proxyCommand = command;
  const knownHostsCommand = one('knownhostscommand');
  if (knownHostsCommand !== undefined) resolved.knownHostsCommand = knownHostsCommand;
  const pkcs11 = one('pkcs11provider');
  if (pkcs11 !== undefined) resolved.unusableAuth.push(`PKCS11Provider ${pkcs11}`);
  return resolved;
}

function noneIsEmpty(files: string[]): string[] {
  return files.length === 1 && files[0]!.toLowerCase() === 'none' ? [] : files;
}
