import { type KnownHostEntry, entryMatchesName, hostKeyAlgorithmsFor, keyTypeOfBlob } from './known-hosts.js';

/**
 * The host key decision, as OpenSSH 9's check_host_key makes it over every known_hosts file
 * (user files, then global ones): a listed key that equals the presented one accepts it; any
 * other listed key for the host makes it CHANGED; a `@revoked` key is refused whatever else is
 * listed; nothing listed is unknown, after trying the host name without its port (ssh does that
 * for ports other than 22 when there is no HostKeyAlias).
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
  | { outcome: 'revoked'; entry: KnownHostEntry }
  | { outcome: 'changed'; offending: KnownHostEntry }
  /** `certAuthority`: a `@cert-authority` line covers the host (ssh would accept a certificate). */
  | { outcome: 'unknown'; certAuthority?: KnownHostEntry };

function checkName(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((entry) => entryMatchesName(entry, name));
  const revoked = forHost.find((entry) => entry.marker === 'revoked' && entry.key.equals(key));
  if (revoked !== undefined) return { outcome: 'revoked', entry: revoked };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  const same = plain.find((entry) => entry.key.equals(key));
  if (same !== undefined) return { outcome: 'match', entry: same };
  if (plain.length > 0) {
    const type = keyTypeOfBlob(key);
    return { outcome: 'changed', offending: plain.find((entry) => entry.keyType === type) ?? plain[plain.length - 1]! };
  }
  const certAuthority = forHost.find((entry) => entry.marker === 'cert-authority');
  return certAuthority !== undefined ? { outcome: 'unknown', certAuthority } : { outcome: 'unknown' };
}

export function checkHostKey(lookup: HostKeyLookup, key: Buffer): HostKeyVerdict {
  const verdict = checkName(lookup.entries, lookup.name, key);
  if (verdict.outcome !== 'unknown' || lookup.fallbackName === undefined) return verdict;
  const portless = checkName(lookup.entries, lookup.fallbackName, key);
  return portless.outcome === 'match' ? portless : verdict;
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
