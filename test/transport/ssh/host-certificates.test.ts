import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, type HostKeyVerdict } from '../../../src/transport/ssh/host-key-check.js';
import { hostKeyRefusalMessage } from '../../../src/transport/ssh/host-key-messages.js';
import { hashKnownHostsName, keyTypeOfBlob, parseKnownHosts } from '../../../src/transport/ssh/known-hosts.js';

// Host certificates (issue 20): ssh2 sees only a host's plain key, so wherever ssh could accept
// the host's certificate through a @cert-authority line (for [host]:port, or for the port-less
// name ssh retries), the verdict names that line instead of calling the key unknown or changed;
// a revoked key or CA stays revoked.

function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, createHash('sha256').update(seed).digest()]);
}

const HOST = blob('ssh-ed25519', 'host');
const OLD = blob('ssh-ed25519', 'old');
const CA = blob('ssh-ed25519', 'ca');
const OTHER_CA = blob('ssh-ed25519', 'other-ca');
const line = (hosts: string, key: Buffer, marker = ''): string => `${marker}${marker ? ' ' : ''}${hosts} ${keyTypeOfBlob(key)} ${key.toString('base64')}`;
const NAME = '[10.0.0.5]:2222';
const PORTLESS = '10.0.0.5';

/** The verdict for HOST on port 2222 (ssh retries the port-less name) or with `fallback: false` (HostKeyAlias, port 22). */
function verdict(lines: string[], fallback = true): HostKeyVerdict {
  const entries = parseKnownHosts(lines.join('\n'), '/k/known_hosts');
  return checkHostKey({ name: NAME, ...(fallback ? { fallbackName: PORTLESS } : {}), entries }, HOST);
}

describe('host certificates: the verdict', () => {
  it('names a @cert-authority line that covers only the port-less name, as ssh retries it', () => {
    // Given CA lines for the address without its port: plain, a pattern, hashed
    for (const hosts of [PORTLESS, '10.0.0.*', hashKnownHostsName(PORTLESS, Buffer.from('0123456789abcdef0123'))]) {
      // Then the host on port 2222 is a certificate case naming line 2
      expect(verdict(['# CA', line(hosts, CA, '@cert-authority')])).toMatchObject({ outcome: 'certificate', authority: { line: 2 } });
    }
    // And without the retry (HostKeyAlias) the port-less line does not cover it, nor does another port's
    expect(verdict([line(PORTLESS, CA, '@cert-authority')], false)).toEqual({ outcome: 'unknown' });
    expect(verdict([line('[10.0.0.5]:1', CA, '@cert-authority')])).toEqual({ outcome: 'unknown' });
  });

  it('is a certificate case, not CHANGED, when an old plain key sits beside a CA line', () => {
    // Given an old plain key for [host]:port and a CA line for it, or for the port-less name
    for (const hosts of [NAME, PORTLESS]) {
      const found = verdict([line(NAME, OLD), line(hosts, CA, '@cert-authority')]);
      // Then ssh would accept the certificate: the verdict names the CA line and the old line
      expect(found).toMatchObject({ outcome: 'certificate', authority: { line: 2 }, offending: { line: 1 } });
    }
    // And a plain key that matches still matches
    expect(verdict([line(NAME, HOST), line('*', CA, '@cert-authority')])).toMatchObject({ outcome: 'match' });
  });

  it('refuses a revoked CA as revoked, unless another CA line covers the host', () => {
    // Given the only CA line's key revoked (for the name, or for the port-less name)
    for (const hosts of [NAME, PORTLESS]) {
      const found = verdict([line(hosts, CA, '@cert-authority'), line('*', CA, '@revoked')]);
      // Then the host is refused as revoked, naming the CA line and its revocation
      expect(found).toMatchObject({ outcome: 'revoked', authority: { line: 1 }, entry: { line: 2 } });
    }
    // And a second, unrevoked CA still covers it
    const two = verdict([line('*', CA, '@cert-authority'), line('*', CA, '@revoked'), line(PORTLESS, OTHER_CA, '@cert-authority')]);
    expect(two).toMatchObject({ outcome: 'certificate', authority: { line: 3 } });
  });

  it('refuses a revoked host key beside a CA line, also when revoked for the port-less name only', () => {
    expect(verdict([line('*', CA, '@cert-authority'), line('*', HOST, '@revoked')])).toMatchObject({ outcome: 'revoked', entry: { line: 2 } });
    expect(verdict([line(PORTLESS, CA, '@cert-authority'), line(PORTLESS, HOST, '@revoked')])).toMatchObject({ outcome: 'revoked', entry: { line: 2 } });
    // And a plain key revoked for the port-less name alone is revoked, not unknown
    expect(verdict([line(PORTLESS, HOST, '@revoked')])).toMatchObject({ outcome: 'revoked', entry: { line: 1 } });
    // But a CHANGED for [host]:port stands (ssh does not retry the port-less name then)
    expect(verdict([line(NAME, OLD), line(PORTLESS, HOST, '@revoked')])).toMatchObject({ outcome: 'changed', offending: { line: 1 } });
  });
});

describe('host certificates: the message', () => {
  const context = { hostName: PORTLESS, port: 2222, name: NAME, files: ['/k/known_hosts', '/etc/ssh/ssh_known_hosts'] };
  const say = (lines: string[]): string => {
    const found = verdict(lines);
    if (found.outcome === 'match') throw new Error('expected a refusal');
    return hostKeyRefusalMessage(found, HOST, context);
  };

  it('names the CA line, says deploy cannot check certificates, and never advises ssh-keyscan', () => {
    const messages = [
      say([line(PORTLESS, CA, '@cert-authority')]),
      say([line(NAME, OLD), line(PORTLESS, CA, '@cert-authority')]),
      say([line('*', CA, '@cert-authority'), line('*', CA, '@revoked')]),
    ];
    for (const message of messages) {
      expect(message).toContain('@cert-authority line /k/known_hosts line');
      expect(message).toContain('deploy cannot check host certificates');
      expect(message).not.toContain('ssh-keyscan');
      expect(message).not.toContain('\n');
    }
    // And each one says what would work, or that nothing deploy can do would
    expect(messages[0]).toContain(`add the plain key line \`${NAME} ssh-ed25519 ${HOST.toString('base64')}\` to /k/known_hosts`);
    expect(messages[1]).toMatch(/is not the ssh-ed25519 key of \/k\/known_hosts line 1, but the @cert-authority line \/k\/known_hosts line 2 covers the host/);
    expect(messages[1]).toContain(`replace /k/known_hosts line 1 with the plain key line \`${NAME} ssh-ed25519 `);
    expect(messages[2]).toMatch(
      /covered only by the @cert-authority line \/k\/known_hosts line 1, whose CA key is REVOKED in \/k\/known_hosts line 2: refusing to connect/,
    );
    expect(messages[2]).not.toContain('plain key line');
  });
});
