import { type KnownHostEntry, entryMatchesName, hostKeyAlgorithmsFor, keyTypeOfBlob } from './known-hosts.js';

/**
 * The host key decision, as OpenSSH 9's check_host_key makes it over every known_hosts file
 * (user files, then global ones): a listed key that equals the presented one accepts it; any
 * other listed key for the host makes it CHANGED; a `@revoked` key is refused whatever else is
 * listed; nothing listed is unknown, after trying the host name without its port (ssh does that
 * for ports other than 22 when there is no HostKeyAlias).
 *
 * Host certificates: ssh prefers a host's certificate and accepts it when a `@cert-authority`
 * line for the name (or, failing that, the port-less name) lists its CA, unless that CA or the
 * key is `@revoked` there. ssh2 only ever sees the plain key, so where ssh could accept through
 * a CA line the verdict is `certificate` (naming that line), never unknown or changed; a host
 * covered only by CA lines whose key is revoked is `revoked`, as ssh refuses its certificate.
 */
export interface HostKeyLookup {
  /** HostKeyAlias, else `host` / `[host]:port`. */
  name: string;
  /** The port-less name, tried when nothing is listed under `name`. */
  fallbackName?: string;
  entries: readonly KnownHostEntry[];
}

export type HostKeyVerdict =
  | { outcome: 'match'; entry: KnownHostEntry }
  /** `authority`: the `@cert-authority` line whose CA key `entry` revokes (the host key itself is not). */
  | { outcome: 'revoked'; entry: KnownHostEntry; authority?: KnownHostEntry }
  | { outcome: 'changed'; offending: KnownHostEntry }
  | { outcome: 'unknown' }
  /** A `@cert-authority` line covers the host: ssh would accept a certificate it signed. `offending`: a plain line ssh would not need. */
  | { outcome: 'certificate'; authority: KnownHostEntry; offending?: KnownHostEntry };

type PlainVerdict = Exclude<HostKeyVerdict, { outcome: 'certificate' }>;

/** What the lines for one name say: about the plain key, and about certificates. */
interface NameCheck {
  plain: PlainVerdict;
  /** The first CA line for the name whose key is not revoked for it. */
  authority?: KnownHostEntry;
  /** When every CA line for the name is revoked: the first one, and its revocation. */
  revokedAuthority?: { authority: KnownHostEntry; revocation: KnownHostEntry };
}

function checkName(entries: readonly KnownHostEntry[], name: string, key: Buffer): NameCheck {
  const forHost = entries.filter((entry) => entryMatchesName(entry, name));
  const revocations = forHost.filter((entry) => entry.marker === 'revoked');
  const revocationOf = (revoked: Buffer): KnownHostEntry | undefined => revocations.find((entry) => entry.key.equals(revoked));
  const authorities = forHost.filter((entry) => entry.marker === 'cert-authority');
  const authority = authorities.find((entry) => revocationOf(entry.key) === undefined);
  const check: NameCheck = { plain: plainVerdict(forHost, key, revocationOf(key)) };
  if (authority !== undefined) check.authority = authority;
  else if (authorities[0] !== undefined) check.revokedAuthority = { authority: authorities[0], revocation: revocationOf(authorities[0].key)! };
  return check;
}

function plainVerdict(forHost: readonly KnownHostEntry[], key: Buffer, revocation: KnownHostEntry | undefined): PlainVerdict {
  if (revocation !== undefined) return { outcome: 'revoked', entry: revocation };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  const same = plain.find((entry) => entry.key.equals(key));
  if (same !== undefined) return { outcome: 'match', entry: same };
  if (plain.length === 0) return { outcome: 'unknown' };
  const type = keyTypeOfBlob(key);
  return { outcome: 'changed', offending: plain.find((entry) => entry.keyType === type) ?? plain[plain.length - 1]! };
}

function certificate(authority: KnownHostEntry, plain: PlainVerdict): HostKeyVerdict {
  return plain.outcome === 'changed' ? { outcome: 'certificate', authority, offending: plain.offending } : { outcome: 'certificate', authority };
}

export function checkHostKey(lookup: HostKeyLookup, key: Buffer): HostKeyVerdict {
  const named = checkName(lookup.entries, lookup.name, key);
  const { plain } = named;
  if (plain.outcome === 'revoked' || plain.outcome === 'match') return plain;
  if (named.authority !== undefined) return certificate(named.authority, plain);
  const portless = lookup.fallbackName !== undefined ? checkName(lookup.entries, lookup.fallbackName, key) : undefined;
  if (portless !== undefined) {
    // ssh retries the port-less name only when nothing under the name decided: a CHANGED stands.
    if (portless.plain.outcome === 'revoked') return plain.outcome === 'changed' ? plain : portless.plain;
    if (portless.authority !== undefined) return certificate(portless.authority, plain);
    if (portless.plain.outcome === 'match' && plain.outcome === 'unknown') return portless.plain;
  }
  const revoked = named.revokedAuthority ?? portless?.revokedAuthority;
  if (revoked !== undefined && plain.outcome === 'unknown') return { outcome: 'revoked', entry: revoked.revocation, authority: revoked.authority };
  return plain;
}

/** ssh2's host key algorithms (1.17), in its default order. */
export const SSH2_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

/**
 * The whole host key algorithm list to offer, like OpenSSH's order_hostkeyalgs: the algorithms
 * of the key types known_hosts lists for the host first, then the others, each group in the
 * default order. (The whole list must be given: ssh2's `prepend` skips names already in it.)
 */
export function hostKeyAlgorithmOrder(lookup: HostKeyLookup): string[] {
  const known = new Set(
    lookup.entries
      .filter((entry) => entry.marker === undefined && entryMatchesName(entry, lookup.name))
      .flatMap((entry) => hostKeyAlgorithmsFor(entry.keyType)),
  );
  const all: readonly string[] = SSH2_HOST_KEY_ALGORITHMS;
  const first = all.filter((algorithm) => known.has(algorithm));
  if (known.has('ssh-dss')) first.push('ssh-dss');
  return [...first, ...all.filter((algorithm) => !known.has(algorithm))];
}
