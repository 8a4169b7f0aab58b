import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type AnyAuthMethod, type ParsedKey } from 'ssh2';
import { UserError } from '../../errors.js';
import { type SshTransportOptions, homeOf, sshConfigPathOf } from './options.js';
import { readSshConfigFile } from './ssh-config.js';
import { type SshTarget, resolveTarget } from './target.js';

/**
 * How deploy authenticates, in this order: the configured key (ssh_key, or an IdentityFile
 * from ~/.ssh/config unless ssh_key was set explicitly); else the ssh-agent at
 * SSH_AUTH_SOCK; else ~/.ssh/id_ed25519, then ~/.ssh/id_rsa (the first that exists).
 * deploy never prompts, so an encrypted key file is only usable through the agent.
 */
export type AuthPlan =
  | { kind: 'key'; path: string; key: Buffer }
  | { kind: 'agent'; socket: string };

const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_rsa'] as const;

/** Read and check one private key file; throws UserError naming `setting` when unusable. */
export function loadPrivateKey(path: string, setting: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${setting}: ${path} does not exist; point ${setting} at a private key file`);
    }
    throw new UserError(`${setting}: cannot read ${path} (${code ?? String(error)}); check its permissions`);
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      throw new UserError(
        `${setting}: ${path} is encrypted and deploy has no passphrase for it; ` +
          `load it into ssh-agent (ssh-add ${path}) and leave ${setting} unset`,
      );
    }
    throw new UserError(`${setting}: ${path} is not a private key deploy can read (${parsed.message})`);
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (key === undefined || !key.isPrivateKey()) {
    throw new UserError(`${setting}: ${path} is a public key; point ${setting} at the private key`);
  }
  return data;
}

/** Which setting a target's key came from, for messages. */
function keySetting(target: SshTarget, options: SshTransportOptions): string {
  if (options.explicit.keyPath || target.keyPath === options.keyPath) return 'ssh_key';
  return `IdentityFile (${sshConfigPathOf(options)})`;
}

/** Decide how to authenticate to `target`; throws UserError when no usable method exists. */
export function planAuth(target: SshTarget, options: SshTransportOptions): AuthPlan {
  if (target.keyPath !== undefined) {
    return { kind: 'key', path: target.keyPath, key: loadPrivateKey(target.keyPath, keySetting(target, options)) };
  }
  const socket = (options.env ?? process.env).SSH_AUTH_SOCK;
  if (socket !== undefined && socket !== '') return { kind: 'agent', socket };
  const sshDir = join(homeOf(options), '.ssh');
  for (const name of DEFAULT_KEY_NAMES) {
    const path = join(sshDir, name);
    if (existsSync(path)) return { kind: 'key', path, key: loadPrivateKey(path, 'ssh_key (default)') };
  }
  throw new UserError(
    `ssh_key: no SSH key to authenticate with (no ssh_key, no ssh-agent in SSH_AUTH_SOCK, ` +
      `no ${join(sshDir, 'id_ed25519')} or id_rsa); set ssh_key or start ssh-agent`,
  );
}

/** `key /path` or `ssh-agent (/socket)`, for "tried: ..." in messages. */
export function describeAuth(plan: AuthPlan): string {
  return plan.kind === 'key' ? `key ${plan.path}` : `ssh-agent (${plan.socket})`;
}

/** ssh2's authHandler list for a plan. */
export function authHandlerFor(plan: AuthPlan, username: string): AnyAuthMethod[] {
  return plan.kind === 'key'
    ? [{ type: 'publickey', username, key: plan.key }]
    : [{ type: 'agent', username, agent: plan.socket }];
}

/**
 * Check, before any connection, that deploy can authenticate: the key it would use exists,
 * is readable and is not encrypted. Pass `hosts` to also check per-host IdentityFiles.
 * Throws UserError.
 */
export async function checkSshAuthConfig(
  options: SshTransportOptions & { hosts?: readonly string[] },
): Promise<void> {
  const lines = readSshConfigFile(sshConfigPathOf(options), homeOf(options));
  const hosts = options.hosts !== undefined && options.hosts.length > 0 ? options.hosts : [undefined];
  const checked = new Set<string>();
  for (const host of hosts) {
    const target: SshTarget =
      host === undefined
        ? { host: '', alias: '', hostName: '', port: options.port, user: options.user, ...(options.keyPath !== undefined ? { keyPath: options.keyPath } : {}) }
        : resolveTarget(host, options, lines);
    const key = target.keyPath ?? '';
    if (checked.has(key)) continue;
    checked.add(key);
    planAuth(target, options);
  }
}
