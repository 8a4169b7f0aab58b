import ssh2, { type ParsedKey } from 'ssh2';
import { UserError } from '../../errors.js';
import { type AuthPlan, planAuth } from './auth.js';
import { SshConfigError } from './config/errors.js';
import { authSettingsFor } from './hop-settings.js';
import type { IdentityFile } from './identity-file.js';
import type { SshTransportOptions } from './options.js';
import { type RouteHop, resolveRoute, targetRequest } from './route.js';
import { type SshContext, createSshContext } from './ssh-context.js';

/**
 * Before any connection: every host (and every jump host on its way) is resolved as ssh would
 * resolve it, and must have something to authenticate with: an IdentityFile deploy can use, or
 * an ssh-agent offering a key ssh would offer. A problem is a usage error naming the hosts.
 */
export async function checkSshAuth(context: SshContext, hosts: readonly string[]): Promise<void> {
  const { options, env } = context;
  const agents = new Map<string, Promise<Buffer[] | string>>();
  const problems = new Map<string, string[]>();
  const explicitKey = options.explicit.keyPath && options.keyPath !== undefined;
  for (const host of hosts.length > 0 ? hosts : []) {
    let route: RouteHop[];
    try {
      route = await resolveRoute(context.resolver, host, targetRequest(host, options));
    } catch (error) {
      if (!(error instanceof SshConfigError)) throw error;
      throw new UserError(`ssh_config: cannot resolve ${host} as ssh would: ${error.message}`, 'fix the ssh config, or point ssh_config at another file');
    }
    for (const hop of route) {
      const plan = planAuth(authSettingsFor(hop, options), env, context.identities);
      const keys = plan.agentSocket !== undefined ? await agentKeys(agents, plan.agentSocket) : undefined;
      if (hop.role === 'target' && explicitKey) checkExplicitKey(plan.identities[0]!, plan, keys);
      const problem = unusable(plan, keys);
      if (problem !== undefined) problems.set(problem, [...(problems.get(problem) ?? []), hop.role === 'target' ? host : `jump host ${hop.target.host}`]);
    }
  }
  for (const [problem, names] of problems) {
    const unique = [...new Set(names)];
    const shown = unique.length > 3 ? `${unique.slice(0, 3).join(', ')} and ${unique.length - 3} more` : unique.join(', ');
    throw new UserError(
      `ssh: no SSH key to authenticate to ${shown}: ${problem}`,
      'set ssh_key, add an IdentityFile to ssh_config, or load a key into ssh-agent (ssh-add)',
    );
  }
}

/** Compatibility entry: check `options.hosts` with a fresh context (or the one given). */
export async function checkSshAuthConfig(options: SshTransportOptions & { hosts?: readonly string[] }, context?: SshContext): Promise<void> {
  await checkSshAuth(context ?? createSshContext(options), options.hosts ?? []);
}

function agentKeys(cache: Map<string, Promise<Buffer[] | string>>, socket: string): Promise<Buffer[] | string> {
  let entry = cache.get(socket);
  if (entry === undefined) {
    entry = new Promise((resolve) => {
      const timer = setTimeout(() => resolve('no answer'), 5000);
      new ssh2.OpenSSHAgent(socket).getIdentities((error, keys) => {
        clearTimeout(timer);
        resolve(error !== undefined && error !== null ? error.message : ((keys ?? []) as ParsedKey[]).map((key) => key.getPublicSSH()));
      });
    });
    cache.set(socket, entry);
  }
  return entry;
}

function inAgent(identity: IdentityFile, keys: Buffer[] | string | undefined): boolean {
  return Array.isArray(keys) && 'publicBlob' in identity && identity.publicBlob !== undefined && keys.some((key) => key.equals(identity.publicBlob!));
}

/** ssh_key set in the deploy config must be a key deploy can use, now. */
function checkExplicitKey(identity: IdentityFile, plan: AuthPlan, keys: Buffer[] | string | undefined): void {
  const path = identity.path;
  switch (identity.status) {
    case 'missing':
      throw new UserError(`ssh_key: ${path} does not exist; point ssh_key at a private key file`);
    case 'unusable':
      throw new UserError(`ssh_key: ${path}: ${identity.reason}`, 'check the file and its permissions');
    case 'encrypted':
      if (!inAgent(identity, keys)) {
        throw new UserError(`ssh_key: ${path} is encrypted and deploy has no passphrase for it; load it into ssh-agent (ssh-add ${path})`);
      }
      return;
    case 'public':
      if (!inAgent(identity, keys)) {
        throw new UserError(
          `ssh_key: ${path} is a public key and ${plan.agentSocket !== undefined ? 'the ssh-agent does not hold its private key' : 'there is no ssh-agent'}`,
        );
      }
      return;
    case 'private':
      return;
  }
}

/** Why nothing can authenticate with this plan, or undefined when something can. */
function unusable(plan: AuthPlan, keys: Buffer[] | string | undefined): string | undefined {
  if (plan.identities.some((identity) => identity.status === 'private')) return undefined;
  if (Array.isArray(keys)) {
    const offered = keys.filter((key) => !plan.identitiesOnly || plan.identities.some((identity) => inAgent(identity, [key])));
    if (offered.length > 0) return undefined;
  }
  const files = plan.identities.filter((identity) => identity.status !== 'missing');
  const filesSaid =
    files.length === 0
      ? `none of its IdentityFiles exists (${plan.identities.map((identity) => identity.path).join(', ') || 'IdentityFile none'})`
      : files
          .map(
            (identity) =>
              `${identity.path} is ${identity.status === 'unusable' ? identity.reason : `${identity.status === 'encrypted' ? 'encrypted' : 'a public key'} and not in the agent`}`,
          )
          .join(', ');
  const agentSaid =
    plan.agentSocket === undefined
      ? 'no ssh-agent (SSH_AUTH_SOCK unset, or IdentityAgent none)'
      : typeof keys === 'string'
        ? `the ssh-agent at ${plan.agentSocket} cannot be used (${keys})`
        : `the ssh-agent at ${plan.agentSocket} offers no key${plan.identitiesOnly ? ' among its IdentityFiles (IdentitiesOnly)' : ''}`;
  return `${filesSaid}; ${agentSaid}`;
}
