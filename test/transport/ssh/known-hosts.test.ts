import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  hashKnownHostsName,
  hostKeyRefusalMessage,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  readKnownHostsFile,
  verifyHostKey,
} from '../../../src/transport/ssh/known-hosts.js';

/** A fake SSH key blob: string type, then some bytes. */
function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, createHash('sha256').update(seed).digest()]);
}

const KEY_A = blob('ssh-ed25519', 'a');
const KEY_B = blob('ssh-ed25519', 'b');
const RSA = blob('ssh-rsa', 'r');
const line = (hosts: string, key: Buffer, marker = ''): string =>
  `${marker}${marker ? ' ' : ''}${hosts} ${keyTypeOfBlob(key)} ${key.toString('base64')} comment`;

describe('known_hosts parsing and matching', () => {
  it('matches plain entries with several comma-separated names', () => {
    // Given an entry naming two hosts
    const entries = parseKnownHosts(`# comment\n\n${line('web1,10.0.0.1', KEY_A)}\n`);
    // When keys are checked for each name
    // Then the listed key matches under both names, another key is "changed"
    expect(verifyHostKey(entries, ['web1'], KEY_A)).toEqual({ outcome: 'match' });
    expect(verifyHostKey(entries, ['10.0.0.1'], KEY_A)).toEqual({ outcome: 'match' });
    expect(verifyHostKey(entries, ['web1'], KEY_B)).toEqual({ outcome: 'changed' });
    expect(verifyHostKey(entries, ['web2'], KEY_A)).toEqual({ outcome: 'unknown' });
  });

  it('uses [host]:port for ports other than 22', () => {
    // Given entries for the same address on port 22 and on 2222
    const entries = parseKnownHosts([line('127.0.1.2', KEY_A), line('[127.0.1.2]:2222', KEY_B)].join('\n'));
    // When the names are built for each port
    // Then each port has its own key
    expect(knownHostsName('127.0.1.2', 22)).toBe('127.0.1.2');
    expect(knownHostsName('127.0.1.2', 2222)).toBe('[127.0.1.2]:2222');
    expect(verifyHostKey(entries, [knownHostsName('127.0.1.2', 2222)], KEY_B).outcome).toBe('match');
    expect(verifyHostKey(entries, [knownHostsName('127.0.1.2', 2222)], KEY_A).outcome).toBe('changed');
    expect(verifyHostKey(entries, [knownHostsName('127.0.1.2', 2200)], KEY_A).outcome).toBe('unknown');
  });

  it('honours wildcards and negation', () => {
    // Given a wildcard entry that excludes one host
    const entries = parseKnownHosts(line('*.example.org,!bad.example.org,web?', KEY_A));
    // Then
    expect(verifyHostKey(entries, ['a.example.org'], KEY_A).outcome).toBe('match');
    expect(verifyHostKey(entries, ['web7'], KEY_A).outcome).toBe('match');
    expect(verifyHostKey(entries, ['web77'], KEY_A).outcome).toBe('unknown');
    expect(verifyHostKey(entries, ['bad.example.org'], KEY_A).outcome).toBe('unknown');
  });

  it('matches hashed entries for host and [host]:port', () => {
    // Given hashed entries as ssh-keygen -H writes them
    const salt = Buffer.from('saltsaltsaltsaltsalt');
    const entries = parseKnownHosts(
      [line(hashKnownHostsName('10.1.1.1', salt), KEY_A), line(hashKnownHostsName('[10.1.1.1]:2299', salt), KEY_B)].join('\n'),
    );
    // Then they match the right name and port only
    expect(verifyHostKey(entries, ['10.1.1.1'], KEY_A).outcome).toBe('match');
    expect(verifyHostKey(entries, ['[10.1.1.1]:2299'], KEY_B).outcome).toBe('match');
    expect(verifyHostKey(entries, ['[10.1.1.1]:2299'], KEY_A).outcome).toBe('changed');
    expect(verifyHostKey(entries, ['10.1.1.2'], KEY_A).outcome).toBe('unknown');
  });

  it('matches lines hashed by ssh-keygen -H', async () => {
    // Given a known_hosts file hashed by OpenSSH itself
    const folder = mkdtempSync(join(tmpdir(), 'kh-hash-'));
    try {
      const file = join(folder, 'known_hosts');
      writeFileSync(file, [line('localhost', KEY_A), line('[127.0.1.2]:2222', KEY_B)].join('\n') + '\n');
      await execa('ssh-keygen', ['-H', '-f', file]);
      // When deploy parses it
      const entries = readKnownHostsFile(file);
      // Then every entry is hashed and each name still finds its key
      expect(entries.every((entry) => entry.hashed !== undefined)).toBe(true);
      expect(verifyHostKey(entries, ['localhost'], KEY_A).outcome).toBe('match');
      expect(verifyHostKey(entries, ['[127.0.1.2]:2222'], KEY_B).outcome).toBe('match');
      expect(verifyHostKey(entries, ['127.0.1.2'], KEY_B).outcome).toBe('unknown');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a revoked key even when another line lists it', () => {
    // Given a key listed for the host and revoked for everyone
    const entries = parseKnownHosts([line('web1', KEY_A), line('*', KEY_A, '@revoked')].join('\n'));
    // Then it is revoked; another key for the host is "changed", not revoked
    expect(verifyHostKey(entries, ['web1'], KEY_A).outcome).toBe('revoked');
    expect(verifyHostKey(entries, ['web1'], KEY_B).outcome).toBe('changed');
  });

  it('skips @cert-authority and malformed lines', () => {
    // Given a CA line and junk
    const entries = parseKnownHosts([line('*', KEY_A, '@cert-authority'), 'garbage', 'web1 ssh-ed25519'].join('\n'));
    // Then nothing is known
    expect(entries).toEqual([]);
  });

  it('checks the alias too, and reports key types to prefer', () => {
    // Given an RSA key for the HostName and an ed25519 key under the alias
    const entries = parseKnownHosts([line('10.0.0.9', RSA), line('web9', KEY_A)].join('\n'));
    // Then a key listed under either name matches, and both types are preferred
    expect(verifyHostKey(entries, ['10.0.0.9', 'web9'], KEY_A).outcome).toBe('match');
    expect(knownKeyTypes(entries, ['10.0.0.9', 'web9']).sort()).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });
});

describe('known_hosts file and messages', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads a missing file as empty', () => {
    // Given a folder without known_hosts
    dir = mkdtempSync(join(tmpdir(), 'kh-'));
    // Then reading it gives no entries
    expect(readKnownHostsFile(join(dir, 'known_hosts'))).toEqual([]);
    writeFileSync(join(dir, 'known_hosts'), line('a', KEY_A));
    expect(readKnownHostsFile(join(dir, 'known_hosts'))).toHaveLength(1);
  });

  it('prints fingerprints like ssh-keygen -l', () => {
    // Then the fingerprint is unpadded base64 of sha256 of the blob
    expect(fingerprintOf(KEY_A)).toBe(`SHA256:${createHash('sha256').update(KEY_A).digest('base64').replace(/=+$/, '')}`);
  });

  it('explains changed and unknown keys in one line with the fixing command', () => {
    // Given a refusal on a non-22 port
    const details = { hostName: '127.0.1.2', port: 2222, key: KEY_A, knownHostsPath: '/k/known_hosts' };
    const fp = fingerprintOf(KEY_A);
    // Then the messages say what happened and what to run
    expect(hostKeyRefusalMessage('changed', details)).toBe(
      `host key for 127.0.1.2:2222 CHANGED (got ssh-ed25519 ${fp}, known_hosts has another key): possible man-in-the-middle; ` +
        "if the host was reinstalled, remove the old line with `ssh-keygen -R '[127.0.1.2]:2222' -f /k/known_hosts`",
    );
    expect(hostKeyRefusalMessage('unknown', details)).toBe(
      `host key for 127.0.1.2:2222 is unknown (${fp}): not in /k/known_hosts; verify it and add it with ` +
        '`ssh-keyscan -p 2222 127.0.1.2 >> /k/known_hosts`',
    );
    expect(hostKeyRefusalMessage('unknown', { ...details, port: 22 })).toContain('`ssh-keyscan 127.0.1.2 >> /k/known_hosts`');
    expect(hostKeyRefusalMessage('revoked', details)).toMatch(/^host key for 127\.0\.1\.2:2222 is REVOKED/);
  });
});
