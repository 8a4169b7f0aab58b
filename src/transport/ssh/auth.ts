import type { AuthHandlerMiddleware, AuthenticationType } from 'ssh2';
import { type IdentityFile, loadIdentityFile } from './identity-file.js';
import { OrderedAgent } from './ordered-agent.js';

/**
 * How deploy authenticates to one host, in ssh's order (sshconnect2.c pubkey_prepare): the
 * agent (IdentityAgent, else SSH_AUTH_SOCK; `none` turns it off) with the keys that are also
 * IdentityFiles first and, unless IdentitiesOnly, its other keys; then every IdentityFile the
 * agent does not hold, in order. Missing files are skipped; an encrypted or public-only file is
 * usable only through the agent (deploy never prompts).
 */
export interface AuthSettings {
  user: string;
  identityFiles: readonly string[];
  identitiesOnly: boolean;
  identityAgent?: string;
  /** What ssh could also use and deploy cannot (user certificates, PKCS#11): named on failure. */
  cannotUse?: readonly string[];
}

export interface AuthPlan {
  user: string;
  identities: IdentityFile[];
  agentSocket?: string;
  identitiesOnly: boolean;
  cannotUse: readonly string[];
}

/** Identity files read once per run (keys do not change during a run). */
export type IdentityCache = Map<string, IdentityFile>;

/** The agent socket ssh would use, or undefined for none. */
export function agentSocketFor(identityAgent: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  let socket: string | undefined;
  if (identityAgent === undefined || identityAgent === 'SSH_AUTH_SOCK') socket = env.SSH_AUTH_SOCK;
  else if (identityAgent === 'none') socket = undefined;
  else if (identityAgent.startsWith('$') && !identityAgent.startsWith('${')) socket = env[identityAgent.slice(1)];
  else socket = identityAgent;
  return socket === '' ? undefined : socket;
}

export function planAuth(settings: AuthSettings, env: NodeJS.ProcessEnv, cache?: IdentityCache): AuthPlan {
  const identities = settings.identityFiles.map((path) => {
    let identity = cache?.get(path);
    if (identity === undefined) {
      identity = loadIdentityFile(path);
      cache?.set(path, identity);
    }
    return identity;
  });
  const agentSocket = agentSocketFor(settings.identityAgent, env);
  return {
    user: settings.user,
    identities,
    identitiesOnly: settings.identitiesOnly,
    cannotUse: settings.cannotUse ?? [],
    ...(agentSocket !== undefined ? { agentSocket } : {}),
  };
}

/** Public blobs of the identities, to find them in the agent. */
export function identityBlobs(plan: AuthPlan): Buffer[] {
  return plan.identities.flatMap((identity) => ('publicBlob' in identity && identity.publicBlob !== undefined ? [identity.publicBlob] : []));
}

/** One connection attempt's authentication: the ssh2 handler, and what it tried for messages. */
export interface AuthAttempt {
  handler: AuthHandlerMiddleware;
  agent?: OrderedAgent;
  tried: string[];
  describe(): string;
}

export function startAuth(plan: AuthPlan): AuthAttempt {
  const agent = plan.agentSocket !== undefined ? new OrderedAgent(plan.agentSocket, identityBlobs(plan), plan.identitiesOnly) : undefined;
  const tried: string[] = [];
  let step = agent !== undefined ? -1 : 0;
  const handler: AuthHandlerMiddleware = (methodsLeft) => {
    if (methodsLeft !== null && methodsLeft !== undefined && !(methodsLeft as AuthenticationType[]).includes('publickey')) return false;
    if (step === -1 && agent !== undefined) {
      step = 0;
      tried.push('agent');
      return { type: 'agent', username: plan.user, agent };
    }
    while (step < plan.identities.length) {
      const identity = plan.identities[step]!;
      step += 1;
      if (identity.status !== 'private' || agent?.holds(identity.publicBlob)) continue;
      tried.push(identity.path);
      return { type: 'publickey', username: plan.user, key: identity.key };
    }
    return false;
  };
  const attempt: AuthAttempt = {
    handler,
    tried,
    describe: () => describeAuth(plan, attempt),
  };
  if (agent !== undefined) attempt.agent = agent;
  return attempt;
}

/** `tried: ssh-agent /s (2 keys), key /k; skipped: /e (encrypted, not in the agent)`. */
export function describeAuth(plan: AuthPlan, attempt?: Pick<AuthAttempt, 'agent' | 'tried'>): string {
  const tried: string[] = [];
  const agent = attempt?.agent;
  for (const what of attempt?.tried ?? []) {
    if (what !== 'agent') tried.push(`key ${what}`);
    else if (agent?.failure !== undefined) tried.push(`ssh-agent ${agent.socket} (unusable: ${agent.failure})`);
    else tried.push(`ssh-agent ${agent?.socket} (${agent?.offered ?? 0} key${agent?.offered === 1 ? '' : 's'})`);
  }
  const skipped: string[] = [];
  for (const identity of plan.identities) {
    if (identity.status === 'encrypted' && !(identity.publicBlob !== undefined && agent?.holds(identity.publicBlob))) {
      skipped.push(`${identity.path} (encrypted and not in the agent: deploy has no passphrase)`);
    } else if (identity.status === 'public' && !agent?.holds(identity.publicBlob)) {
      skipped.push(`${identity.path} (a public key, and no agent offered its private key)`);
    } else if (identity.status === 'unusable') {
      skipped.push(`${identity.path} (${identity.reason})`);
    }
  }
  const parts = [`tried: ${tried.length > 0 ? tried.join(', ') : 'no key'}`];
  if (tried.length === 0 && plan.agentSocket === undefined) parts.push('no ssh-agent');
  if (skipped.length > 0) parts.push(`skipped: ${skipped.join(', ')}`);
  if (plan.cannotUse.length > 0) parts.push(`deploy cannot use ${plan.cannotUse.join(', ')}`);
  return parts.join('; ');
}
