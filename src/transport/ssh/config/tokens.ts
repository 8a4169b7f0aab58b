import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SshConfigError } from './errors.js';

/**
 * `%` tokens and `${VAR}` in ssh_config values, expanded exactly as OpenSSH 9's
 * percent_dollar_expand does: one pass, `%%` is `%`, an unknown `%x` or an unset `${VAR}` is an
 * error (ssh refuses to run), and values put in are never expanded again.
 */
export type Tokens = Readonly<Record<string, string>>;

/** Expand `%x` from `tokens` (when given) and `${VAR}` from `env` (when given). */
export function expandTokens(value: string, tokens: Tokens | undefined, env?: NodeJS.ProcessEnv): string {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i]!;
    if (env !== undefined && ch === '$' && value[i + 1] === '{') {
      const end = value.indexOf('}', i + 2);
      if (end < 0) throw new SshConfigError(`environment variable in "${value}" is missing its closing '}'`);
      const name = value.slice(i + 2, end);
      if (name === '') throw new SshConfigError(`zero-length environment variable in "${value}"`);
      const replacement = env[name];
      if (replacement === undefined) throw new SshConfigError(`env var \${${name}} has no value (in "${value}")`);
      out += replacement;
      i = end;
      continue;
    }
    if (ch !== '%' || tokens === undefined) {
      out += ch;
      continue;
    }
    const key = value[i + 1];
    i += 1;
    if (key === '%') out += '%';
    else if (key === undefined) throw new SshConfigError(`invalid format: "${value}" ends with %`);
    else if (tokens[key] !== undefined) out += tokens[key];
    else throw new SshConfigError(`unknown key %${key} in "${value}"`);
  }
  return out;
}

/** `~` and `~/…` to `home`, `~user/…` to that user's home from /etc/passwd (tilde_expand_filename). */
export function expandTilde(path: string, home: string): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const name = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const tail = slash < 0 ? '' : path.slice(slash + 1);
  const base = name === '' ? home : passwdHome(name);
  if (base === undefined) throw new SshConfigError(`no such user "${name}" in "${path}"`);
  if (tail === '') return base;
  return base.endsWith('/') ? `${base}${tail}` : `${base}/${tail}`;
}

function passwdHome(user: string): string | undefined {
  let text: string;
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === user && fields[5] !== undefined) return fields[5];
  }
  return undefined;
}

/** `%C`: SHA-1 (hex) of local host name, remote host, port and remote user. */
export function connectionHash(thisHost: string, host: string, port: string, user: string): string {
  return createHash('sha1').update(thisHost).update(host).update(port).update(user).digest('hex');
}

/** What the default client token set (ssh.h DEFAULT_CLIENT_PERCENT_EXPAND_ARGS) is made from. */
export interface ConnectionInfo {
  /** gethostname(). */
  thisHost: string;
  uid: number;
  home: string;
  localUser: string;
  /** The host as given (ssh's host_arg). */
  originalHost: string;
  /** The final, lower-cased host name. */
  hostName: string;
  port: number;
  user: string;
  hostKeyAlias?: string;
}

/** %C %L %i %k %l %n %p %d %h %r %u, as ssh fills them for IdentityFile, UserKnownHostsFile, ... */
export function clientTokens(info: ConnectionInfo): Tokens {
  const port = String(info.port);
  return {
    C: connectionHash(info.thisHost, info.hostName, port, info.user),
    L: info.thisHost.split('.')[0] ?? info.thisHost,
    i: String(info.uid),
    k: info.hostKeyAlias ?? info.originalHost,
    l: info.thisHost,
    n: info.originalHost,
    p: port,
    d: info.home,
    h: info.hostName,
    r: info.user,
    u: info.localUser,
  };
}

/** The tokens of ProxyCommand (sshconnect.c expand_proxy_command): %h %k %n %p %r. */
export function proxyCommandTokens(info: ConnectionInfo): Tokens {
  return {
    h: info.hostName,
    k: info.hostKeyAlias ?? info.originalHost,
    n: info.originalHost,
    p: String(info.port),
    r: info.user,
  };
}

/** Tilde, then `%` tokens and `${VAR}`: how ssh expands IdentityFile, IdentityAgent, UserKnownHostsFile. */
export function expandPath(value: string, info: ConnectionInfo, env: NodeJS.ProcessEnv): string {
  return expandTokens(expandTilde(value, info.home), clientTokens(info), env);
}
