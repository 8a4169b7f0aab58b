import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readTextIfExists } from '../../lib/read-file.js';
import { matchHostname } from './host-pattern.js';

/**
 * known_hosts(5), parsed by deploy itself: plain entries (comma-separated patterns with `*`,
 * `?`, `!` and the `[host]:port` form), hashed entries (`|1|salt|hmac`), and the `@revoked` and
 * `@cert-authority` markers.
 */
export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The comma-separated patterns, or undefined for a hashed entry. */
  patterns?: string;
  /** For a hashed entry: the salt and the HMAC-SHA1 of the host string. */
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The raw public key blob (base64-decoded). */
  key: Buffer;
  /** The key as written (base64), to quote lines back. */
  keyBase64: string;
  file: string;
  line: number;
}

/** Parse known_hosts text; malformed lines are skipped like OpenSSH does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0 || keyTypeOfBlob(key) !== keyType) return;
    const entry: KnownHostEntry = { marker, keyType, key, keyBase64, file, line: index + 1 };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (salt === undefined || hash === undefined) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts;
    }
    entries.push(entry);
  });
  return entries;
}

/** Read and parse a known_hosts file; a missing file holds no hosts. Other read errors throw. */
export function readKnownHostsFile(path: string): KnownHostEntry[] {
  const text = readTextIfExists(path);
  return text === undefined ? [] : parseKnownHosts(text, path);
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
  return matchHostname(name, entry.patterns ?? '');
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOfBlob(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  if (length > key.length - 4 || length > 64) return 'unknown';
  return key.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:...` as ssh-keygen -l prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** ssh2 algorithm names that can present a key of a known_hosts key type. */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}
