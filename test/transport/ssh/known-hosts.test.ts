import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHostKey, hostKeyAlgorithmOrder, type HostKeyLookup } from '../../../src/transport/ssh/host-key-check.js';
import { hostKeyRefusalMessage } from '../../../src/transport/ssh/host-key-messages.js';
import {
  fingerprintOf,
  hashKnownHostsName,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  readKnownHostsFile,
} from '../../../src/transport/ssh/known-hosts.js';
import { KnownHostsFiles } from '../../../src/transport/ssh/known-hosts-files.js';

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
const ECDSA = blob('ecdsa-sha2-nistp256', 'e');
const line = (hosts: string, key: Buffer, marker = ''): string =>
  `${marker}${marker ? ' ' : ''}${hosts} ${keyTypeOfBlob(key)} ${key.toString('base64')} comment`;
const outcome = (text: string, name: string, key: Buffer, fallbackName?: string): string =>
  checkHostKey({ name, entries: parseKnownHosts(text, '/k/known_hosts'), ...(fallbackName ? { fallbackName } : {}) }, key).outcome;

describe('known_hosts parsing and matching', () => {
  it('matches plain entries with several comma-separated names', () => {
    // Given an entry naming two hosts
    const text = `# comment\n\n${line('web1,10.0.0.1', KEY_A)}\n`;
    // When keys are checked for each name; Then the listed key matches under both names
    expect(outcome(text, 'web1', KEY_A)).toBe('match');
    expect(outcome(text, '10.0.0.1', KEY_A)).toBe('match');
    // And another key is CHANGED, another host unknown
    expect(outcome(text, 'web1', KEY_B)).toBe('changed');
    expect(outcome(text, 'web2', KEY_A)).toBe('unknown');
  });

  it('uses [host]:port for ports other than 22, and falls back to the bare name as ssh does', () => {
    // Given entries for the same address on port 22 and on 2222
    const text = [line('127.0.1.2', KEY_A), line('[127.0.1.2]:2222', KEY_B)].join('\n');
    // Then each port has its own key
    expect(knownHostsName('127.0.1.2', 22)).toBe('127.0.1.2');
    expect(knownHostsName('127.0.1.2', 2222)).toBe('[127.0.1.2]:2222');
    expect(outcome(text, '[127.0.1.2]:2222', KEY_B, '127.0.1.2')).toBe('match');
    expect(outcome(text, '[127.0.1.2]:2222', KEY_A, '127.0.1.2')).toBe('changed');
    // And a port with no entry of its own accepts the key listed for the bare name (ssh does)
    expect(outcome(text, '[127.0.1.2]:2200', KEY_A, '127.0.1.2')).toBe('match');
    expect(outcome(text, '[127.0.1.2]:2200', KEY_B, '127.0.1.2')).toBe('unknown');
  });

  it('honours wildcards and negation, case-insensitively', () => {
    // Given a wildcard entry that excludes one host
    const text = line('*.Example.org,!bad.example.org,web?', KEY_A);
    // Then
    expect(outcome(text, 'a.example.org', KEY_A)).toBe('match');
    expect(outcome(text, 'WEB7', KEY_A)).toBe('match');
    expect(outcome(text, 'web77', KEY_A)).toBe('unknown');
    expect(outcome(text, 'bad.example.org', KEY_A)).toBe('unknown');
  });

  it('matches hashed entries for host and [host]:port', () => {
    // Given hashed entries as ssh-keygen -H writes them
    const salt = Buffer.from('saltsaltsaltsaltsalt');
    const text = [line(hashKnownHostsName('10.1.1.1', salt), KEY_A), line(hashKnownHostsName('[10.1.1.1]:2299', salt), KEY_B)].join('\n');
    // Then they match the right name and port only
    expect(outcome(text, '10.1.1.1', KEY_A)).toBe('match');
    expect(outcome(text, '[10.1.1.1]:2299', KEY_B)).toBe('match');
    expect(outcome(text, '[10.1.1.1]:2299', KEY_A)).toBe('changed');
    expect(outcome(text, '10.1.1.2', KEY_A)).toBe('unknown');
  });

  it('matches lines hashed by ssh-keygen -H', async () => {
    // Given a known_hosts file hashed by OpenSSH itself
    const folder = mkdtempSync(join(tmpdir(), 'kh-hash-'));
    try {
      const file = join(folder, 'known_hosts');
      writeFileSync(file, `${[line('localhost', KEY_A), line('[127.0.1.2]:2222', KEY_B)].join('\n')}\n`);
      await execa('ssh-keygen', ['-H', '-f', file]);
      // When deploy parses it
      const entries = readKnownHostsFile(file);
      // Then every entry is hashed and each name still finds its key
      expect(entries.every((entry) => entry.hashed !== undefined)).toBe(true);
      expect(checkHostKey({ name: 'localhost', entries }, KEY_A).outcome).toBe('match');
      expect(checkHostKey({ name: '[127.0.1.2]:2222', entries }, KEY_B).outcome).toBe('match');
      expect(checkHostKey({ name: '127.0.1.2', entries }, KEY_B).outcome).toBe('unknown');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a revoked key even when another line lists it', () => {
    // Given a key listed for the host and revoked for everyone
    const text = [line('web1', KEY_A), line('*', KEY_A, '@revoked')].join('\n');
    // Then it is revoked; another key for the host is "changed", not revoked
    expect(outcome(text, 'web1', KEY_A)).toBe('revoked');
    expect(outcome(text, 'web1', KEY_B)).toBe('changed');
  });

  it('knows a host covered only by @cert-authority, and skips malformed lines', () => {
    // Given a CA line and junk
    const text = [line('*.example.org', KEY_B, '@cert-authority'), 'garbage', 'web1 ssh-ed25519', `web1 ssh-rsa ${KEY_A.toString('base64')}`].join('\n');
    // When a host under the CA presents a plain key
    const verdict = checkHostKey({ name: 'a.example.org', entries: parseKnownHosts(text, '/k/kh') }, KEY_A);
    // Then it is a certificate case, with the CA line named; the junk (a key of the wrong type included) is gone
    expect(verdict).toMatchObject({ outcome: 'certificate', authority: { line: 1, file: '/k/kh' } });
    expect(parseKnownHosts(text)).toHaveLength(1);
  });

  it('lists the known key types first in the algorithms offered, in the default order', () => {
    // Given only older key types known for the host (ssh-keyscan -t rsa,ecdsa)
    const entries = parseKnownHosts([line('[h]:2222', RSA), line('[h]:2222', ECDSA), line('other', KEY_A)].join('\n'));
    const lookup: HostKeyLookup = { name: '[h]:2222', entries };
    // Then ecdsa and rsa come before ed25519, which stays offered last
    expect(hostKeyAlgorithmOrder(lookup)).toEqual([
      'ecdsa-sha2-nistp256',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
    ]);
    // And a host with nothing known gets ssh2's default order
    expect(hostKeyAlgorithmOrder({ name: 'nobody', entries })[0]).toBe('ssh-ed25519');
  });
});

describe('known_hosts files and messages', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads missing files as empty, and a changed file again', () => {
    // Given a folder without known_hosts
    dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const files = new KnownHostsFiles();
    const path = join(dir, 'known_hosts');
    // Then reading it gives no entries
    expect(files.read([path, join(dir, 'known_hosts2')])).toEqual([]);
    // And once written (then rewritten), its lines are read
    writeFileSync(path, line('a', KEY_A));
    expect(files.read([path])).toHaveLength(1);
    writeFileSync(path, [line('a', KEY_A), line('b', KEY_B)].join('\n'));
    expect(files.read([path]).map((entry) => entry.file)).toEqual([path, path]);
  });

  it('prints fingerprints like ssh-keygen -l', () => {
    // Then the fingerprint is unpadded base64 of sha256 of the blob
    expect(fingerprintOf(KEY_A)).toBe(`SHA256:${createHash('sha256').update(KEY_A).digest('base64').replace(/=+$/, '')}`);
  });

  it('explains changed, unknown, revoked and certificate-only keys in one line with the fix', () => {
    // Given a host on a non-22 port and its known_hosts files
    const context = { hostName: '127.0.1.2', port: 2222, name: '[127.0.1.2]:2222', files: ['/k/known_hosts', '/etc/ssh/ssh_known_hosts'] };
    const [offending] = parseKnownHosts(line('[127.0.1.2]:2222', KEY_B), '/etc/ssh/ssh_known_hosts');
    const fp = fingerprintOf(KEY_A);
    // Then the messages say what happened and what to run
    expect(hostKeyRefusalMessage({ outcome: 'changed', offending: offending! }, KEY_A, context)).toBe(
      `host key for 127.0.1.2:2222 CHANGED (got ssh-ed25519 ${fp}, /etc/ssh/ssh_known_hosts line 1 has another ssh-ed25519 key): ` +
        "possible man-in-the-middle; if the host was reinstalled, remove the old line with `ssh-keygen -R '[127.0.1.2]:2222' -f /etc/ssh/ssh_known_hosts`",
    );
    expect(hostKeyRefusalMessage({ outcome: 'changed', offending: offending! }, RSA, context)).toContain(
      'has its ssh-ed25519 key, a type the host no longer offers',
    );
    expect(hostKeyRefusalMessage({ outcome: 'unknown' }, KEY_A, context)).toBe(
      `host key for 127.0.1.2:2222 is unknown (${fp}): not in /k/known_hosts, /etc/ssh/ssh_known_hosts; verify it and add it with ` +
        '`ssh-keyscan -p 2222 127.0.1.2 >> /k/known_hosts`',
    );
    expect(hostKeyRefusalMessage({ outcome: 'unknown' }, KEY_A, { ...context, files: [] })).toContain('not in no known_hosts file');
    expect(hostKeyRefusalMessage({ outcome: 'revoked', entry: offending! }, KEY_B, context)).toMatch(
      /^host key for 127\.0\.1\.2:2222 is REVOKED in \/etc\/ssh\/ssh_known_hosts line 1/,
    );
    // And a HostKeyAlias host is told the exact line, named by the alias
    const alias = { ...context, name: 'web', hostKeyAlias: 'web' };
    expect(hostKeyRefusalMessage({ outcome: 'unknown' }, KEY_A, alias)).toContain(`the line \`web ssh-ed25519 ${KEY_A.toString('base64')}\` to /k/known_hosts`);
    // And a host known only through a CA says deploy cannot use certificates, and gives the plain line
    const certificate = hostKeyRefusalMessage({ outcome: 'certificate', authority: offending! }, KEY_A, context);
    expect(certificate).toContain('vouched for only by the @cert-authority line /etc/ssh/ssh_known_hosts line 1');
    expect(certificate).toContain('cannot check host certificates (its SSH library, ssh2, does not negotiate them)');
    expect(certificate).toContain(`add the plain key line \`[127.0.1.2]:2222 ssh-ed25519 ${KEY_A.toString('base64')}\` to /k/known_hosts`);
  });
});
