import type { HostKeyVerdict } from './host-key-check.js';
import { type KnownHostEntry, fingerprintOf, keyTypeOfBlob } from './known-hosts.js';

/** What a refusal message needs to know about the host and where its keys were looked up. */
export interface RefusalContext {
  hostName: string;
  port: number;
  /** The name looked up in known_hosts (HostKeyAlias, or `[host]:port`). */
  name: string;
  hostKeyAlias?: string;
  /** The files read, user files first. */
  files: readonly string[];
  /** KnownHostsCommand from ssh_config, which deploy does not run. */
  knownHostsCommand?: string;
}

/** The one-line explanation for a refused host key, with the command or line that fixes it. */
export function hostKeyRefusalMessage(verdict: Exclude<HostKeyVerdict, { outcome: 'match' }>, key: Buffer, context: RefusalContext): string {
  const label = hostLabel(context);
  const fingerprint = fingerprintOf(key);
  const keyType = keyTypeOfBlob(key);
  switch (verdict.outcome) {
    case 'changed': {
      const { offending } = verdict;
      const where = `${offending.file} line ${offending.line}`;
      const what =
        offending.keyType === keyType
          ? `got ${keyType} ${fingerprint}, ${where} has another ${keyType} key`
          : `got ${keyType} ${fingerprint}; ${where} has its ${offending.keyType} key, a type the host no longer offers`;
      return (
        `host key for ${label} CHANGED (${what}): possible man-in-the-middle; if the host was reinstalled, ` +
        `remove the old line with \`ssh-keygen -R ${shellWord(context.name)} -f ${shellWord(offending.file)}\``
      );
    }
    case 'revoked':
      if (verdict.authority !== undefined) return revokedAuthorityMessage(verdict.authority, verdict.entry, key, label);
      return (
        `host key for ${label} is REVOKED in ${verdict.entry.file} line ${verdict.entry.line} (got ${keyType} ${fingerprint}): ` +
        `refusing to connect; the host must get a new key`
      );
    case 'certificate':
      return certificateMessage(verdict, key, context, label);
    case 'unknown':
      return unknownMessage(key, context, label);
  }
}

function hostLabel(context: RefusalContext): string {
  const endpoint = context.port === 22 ? context.hostName : `${context.hostName}:${context.port}`;
  return context.hostKeyAlias !== undefined ? `${endpoint} (HostKeyAlias ${context.hostKeyAlias})` : endpoint;
}

function where(files: readonly string[]): string {
  return files.length === 0 ? 'no known_hosts file (UserKnownHostsFile and GlobalKnownHostsFile are none)' : files.join(', ');
}

function unknownMessage(key: Buffer, context: RefusalContext, label: string): string {
  const fingerprint = fingerprintOf(key);
  const target = context.files[0] ?? '~/.ssh/known_hosts';
  const command = context.knownHostsCommand !== undefined ? ` (deploy does not run KnownHostsCommand ${context.knownHostsCommand})` : '';
  const fix =
    context.hostKeyAlias === undefined
      ? `\`ssh-keyscan ${context.port === 22 ? '' : `-p ${context.port} `}${shellWord(context.hostName)} >> ${shellWord(target)}\``
      : `the line \`${context.name} ${keyTypeOfBlob(key)} ${key.toString('base64')}\` to ${target}`;
  return `host key for ${label} is unknown (${fingerprint}): not in ${where(context.files)}${command}; verify it and add it with ${fix}`;
}

/** Why deploy cannot do what ssh would. */
const CANNOT = 'deploy cannot check host certificates (its SSH library, ssh2, does not negotiate them)';

/**
 * A host ssh would accept through a host certificate signed by a `@cert-authority` key: ssh2
 * cannot negotiate host certificates, so say so, name the CA line and give the plain line that
 * would work (in place of the plain line ssh would not need, when there is one).
 */
function certificateMessage(verdict: Extract<HostKeyVerdict, { outcome: 'certificate' }>, key: Buffer, context: RefusalContext, label: string): string {
  const { authority, offending } = verdict;
  const line = `${context.name} ${keyTypeOfBlob(key)} ${key.toString('base64')}`;
  const ca = `the @cert-authority line ${authority.file} line ${authority.line}`;
  if (offending === undefined) {
    return (
      `host key for ${label} is vouched for only by ${ca}, and ${CANNOT}; ` +
      `after checking the fingerprint ${fingerprintOf(key)}, add the plain key line \`${line}\` to ${context.files[0] ?? authority.file}`
    );
  }
  return (
    `host key for ${label} (got ${keyTypeOfBlob(key)} ${fingerprintOf(key)}) is not the ${offending.keyType} key of ${offending.file} line ${offending.line}, ` +
    `but ${ca} covers the host (ssh would accept a host certificate it signed), and ${CANNOT}; ` +
    `after checking the fingerprint, replace ${offending.file} line ${offending.line} with the plain key line \`${line}\``
  );
}

/** A host covered only by CA lines whose key is revoked: ssh refuses a certificate they signed. */
function revokedAuthorityMessage(authority: KnownHostEntry, revocation: KnownHostEntry, key: Buffer, label: string): string {
  return (
    `host key for ${label} (got ${keyTypeOfBlob(key)} ${fingerprintOf(key)}) is covered only by the @cert-authority line ` +
    `${authority.file} line ${authority.line}, whose CA key is REVOKED in ${revocation.file} line ${revocation.line}: refusing to connect; ` +
    `ssh refuses a host certificate that CA signed, and ${CANNOT}`
  );
}

/** Quote a word for the suggested commands only when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}
