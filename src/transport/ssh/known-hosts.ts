import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readTextIfExists } from '../../lib/read-file.js';
import { matchPatternList } from './host-pattern.js';

/**
 * known_hosts(5), parsed by deploy itself: plain entries (comma-separated patterns with
 * `*`, `?`, `!` and the `[host]:port` form), hashed entries (`|1|salt|hmac`) and the
 * `@revoked` marker. `@cert-authority` lines are skipped: deploy does not do host certs.
 */
export interface KnownHostEntry {
  marker: 'revoked' | undefined;
  /** Plain patterns, or undefined for a hashed entry. */
  patterns?: string[];
  /** For a hashed entry: the salt and the HMAC-SHA1 of the host string. */
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The raw public key blob (base64-decoded). */
  key: Buffer;
  line: number;
}

export type HostKeyVerdict =
  | { outcome: 'match' }
  | { outcome: 'revoked' }
  | { outcome: 'changed' }
  | { outcome: 'unknown' };

/** Parse known_hosts text; malformed lines are skipped like OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else return; // @cert-authority or unknown marker
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) return;
    const entry: KnownHostEntry = { marker, keyType, key, line: index + 1 };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (salt === undefined || hash === undefined) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',').filter((pattern) => pattern !== '');
    }
    entries.push(entry);
  });
  return entries;
}

/** Read and parse a known_hosts file; a missing file holds no hosts. */
export function readKnownHostsFile(path: string): KnownHostEntry[] {
  const text = readTextIfExists(path);
  return text === undefined ? [] : parseKnownHosts(text);
}

/** The string known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Hash a host string the way `ssh-keygen -H` does, for tests and tooling. */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** True when the entry names `name` (already in known_hosts form). */
export function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const expected = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return expected.length === entry.hashed.hash.length && timingSafeEqual(expected, entry.hashed.hash);
  }
  return matchPatternList(name, entry.patterns ?? []);
}

/**
 * Decide about `key` (raw blob) presented for any of `names` (known_hosts form). A revoked
 * key is refused wherever it is listed (revocations may use `*`); then any entry with the
 * same key accepts; else the host is `changed` when some entry names it, `unknown` if none.
 */
export function verifyHostKey(
  entries: readonly KnownHostEntry[],
  names: readonly string[],
  key: Buffer,
): HostKeyVerdict {
  const sameKey = (entry: KnownHostEntry): boolean => entry.key.equals(key);
  const forHost = entries.filter((entry) => names.some((name) => entryMatchesName(entry, name)));
  if (forHost.some((entry) => entry.marker === 'revoked' && sameKey(entry))) return { outcome: 'revoked' };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  if (plain.some(sameKey)) return { outcome: 'match' };
  if (plain.length > 0) return { outcome: 'changed' };
  return { outcome: 'unknown' };
}

/** Key types listed for the host (non-revoked), to ask the server for those first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], names: readonly string[]): string[] {
  const types = new Set<string>();
  for (const entry of entries) {
    if (entry.marker === undefined && names.some((name) => entryMatchesName(entry, name))) {
      types.add(entry.keyType);
    }
  }
  return [...types];
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOfBlob(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  if (length > key.length - 4) return 'unknown';
  return key.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:...` as ssh-keygen -l prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The one-line explanation for a refused host key, with the command that fixes it. */
export function hostKeyRefusalMessage(
  verdict: Exclude<HostKeyVerdict['outcome'], 'match'>,
  details: { hostName: string; port: number; key: Buffer; knownHostsPath: string },
): string {
  const { hostName, port, key, knownHostsPath } = details;
  const label = port === 22 ? hostName : `${hostName}:${port}`;
  const fingerprint = fingerprintOf(key);
  const keyType = keyTypeOfBlob(key);
  const file = shellWord(knownHostsPath);
  switch (verdict) {
    case 'changed':
      return (
        `host key for ${label} CHANGED (got ${keyType} ${fingerprint}, known_hosts has another key): ` +
        `possible man-in-the-middle; if the host was reinstalled, remove the old line with ` +
        `\`ssh-keygen -R ${shellWord(knownHostsName(hostName, port))} -f ${file}\``
      );
    case 'revoked':
      return (
        `host key for ${label} is REVOKED in ${knownHostsPath} (got ${keyType} ${fingerprint}): ` +
        `refusing to connect; the host must get a new key`
      );
    case 'unknown': {
      const portFlag = port === 22 ? '' : `-p ${port} `;
      return (
        `host key for ${label} is unknown (${fingerprint}): not in ${knownHostsPath}; ` +
        `verify it and add it with \`ssh-keyscan ${portFlag}${shellWord(hostName)} >> ${file}\``
      );
    }
  }
}

/** Quote a word for the suggested commands only when it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** ssh2 algorithm names that can present a key of a known_hosts key type. */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}
