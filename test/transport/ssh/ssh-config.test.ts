import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matchPatternList, matchWildcard } from '../../../src/transport/ssh/host-pattern.js';
import { parseSshConfigText, readSshConfigFile, resolveSshConfig } from '../../../src/transport/ssh/ssh-config.js';
import type { SshTransportOptions } from '../../../src/transport/ssh/options.js';
import { parseHostPort } from '../../../src/lib/host-port.js';
import { resolveTarget } from '../../../src/transport/ssh/target.js';

const context = { home: '/home/me', localUser: 'me' };

describe('host patterns', () => {
  it('matches * and ? and honours negation', () => {
    // Given OpenSSH-style patterns; When hosts are matched; Then:
    expect(matchWildcard('web12.example', 'web*.example')).toBe(true);
    expect(matchWildcard('web1', 'web?')).toBe(true);
    expect(matchWildcard('web12', 'web?')).toBe(false);
    expect(matchWildcard('WEB1', 'web1')).toBe(true);
    expect(matchPatternList('web1', ['web*', '!web1'])).toBe(false);
    expect(matchPatternList('web2', ['web*', '!web1'])).toBe(true);
    expect(matchPatternList('db1', ['!web1'])).toBe(false);
  });
});

describe('ssh config resolution', () => {
  it('takes the first value obtained for each keyword, across matching blocks', () => {
    // Given a specific block before a general one
    const lines = parseSshConfigText(
      [
        '# deploy hosts',
        'Host web1',
        '  HostName 10.0.0.1',
        '  Port 2222',
        'Host web*',
        '  User deployer',
        '  Port 22',
        '  IdentityFile ~/.ssh/web_key',
        'Host *',
        '  User nobody',
        '  ForwardAgent yes',
      ].join('\n'),
    );
    // When web1 is resolved
    const entry = resolveSshConfig(lines, 'web1', context);
    // Then the first value wins for each keyword and ~ is expanded
    expect(entry).toEqual({
      hostName: '10.0.0.1',
      port: 2222,
      user: 'deployer',
      identityFiles: ['/home/me/.ssh/web_key'],
    });
  });

  it('supports several patterns, negation, Keyword=value and quotes', () => {
    // Given a Host line with several patterns and a negated one
    const lines = parseSshConfigText(
      ['Host app? "db one" !app9', '  HostName=%h.internal', '  IdentityFile "~/my keys/id"'].join('\n'),
    );
    // Then matching hosts get the settings, the negated one does not
    expect(resolveSshConfig(lines, 'app1', context).hostName).toBe('app1.internal');
    expect(resolveSshConfig(lines, 'app1', context).identityFiles).toEqual(['/home/me/my keys/id']);
    expect(resolveSshConfig(lines, 'db one', context).hostName).toBe('db one.internal');
    expect(resolveSshConfig(lines, 'app9', context)).toEqual({ identityFiles: [] });
    expect(resolveSshConfig(lines, 'other', context)).toEqual({ identityFiles: [] });
  });

  it('skips Match blocks except Match all, and settings before any Host apply to all', () => {
    // Given a top-level User, a Match block and a Match all block
    const lines = parseSshConfigText(['User early', 'Match host web1', '  Port 1111', 'Match all', '  Port 2222'].join('\n'));
    // When web1 is resolved; Then only the top-level and Match all settings apply
    expect(resolveSshConfig(lines, 'web1', context)).toEqual({ user: 'early', port: 2222, identityFiles: [] });
  });

  describe('files', () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'sshcfg-'));
      mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    it('reads a missing file as no config and follows Include with globs', () => {
      // Given a config including conf.d/*.conf relative to ~/.ssh
      writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost *\n  User fallback\n');
      writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host web1\n  HostName 127.0.1.9\n');
      writeFileSync(join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host web1\n  HostName wrong\n');
      // When the file is read and web1 resolved
      const lines = readSshConfigFile(join(home, '.ssh', 'config'), home);
      // Then the included block applies, and a missing file gives nothing
      expect(resolveSshConfig(lines, 'web1', { home, localUser: 'me' })).toEqual({
        hostName: '127.0.1.9',
        user: 'fallback',
        identityFiles: [],
      });
      expect(readSshConfigFile(join(home, 'nope'), home)).toEqual([]);
    });
  });
});

describe('target resolution (deploy config vs ssh config)', () => {
  const lines = parseSshConfigText('Host web1\n  HostName 10.0.0.1\n  Port 2200\n  User cfguser\n  IdentityFile /keys/cfg\n');
  const base: SshTransportOptions = {
    user: 'root',
    port: 22,
    keyPath: '/keys/deploy',
    knownHostsPath: '/k',
    connectTimeoutMs: 1000,
    explicit: { user: false, port: false, keyPath: false },
    env: { HOME: '/home/me', USER: 'me' },
  };

  it('lets ssh config win over defaults', () => {
    // Given nothing set explicitly; When web1 is resolved; Then ssh config values are used
    expect(resolveTarget('web1', base, lines)).toEqual({
      host: 'web1',
      alias: 'web1',
      hostName: '10.0.0.1',
      port: 2200,
      user: 'cfguser',
      keyPath: '/keys/cfg',
    });
  });

  it('lets explicitly set deploy settings win over ssh config', () => {
    // Given user, port and key set explicitly; When web1 is resolved; Then they win (HostName still applies)
    const target = resolveTarget('web1', { ...base, explicit: { user: true, port: true, keyPath: true } }, lines);
    expect(target).toMatchObject({ hostName: '10.0.0.1', port: 22, user: 'root', keyPath: '/keys/deploy' });
  });

  it('lets a port in the host name win over everything', () => {
    // Given web1:2999 with an explicit port too; When resolved; Then the name's port wins
    const target = resolveTarget('web1:2999', { ...base, explicit: { user: true, port: true, keyPath: true } }, lines);
    expect(target).toMatchObject({ alias: 'web1', port: 2999 });
    expect(parseHostPort('a:b')).toBeUndefined();
  });

  it('falls back to deploy defaults for hosts ssh config does not name', () => {
    // Given a host absent from ssh config; When resolved; Then deploy's values are used
    const target = resolveTarget('db1', { ...base, keyPath: undefined }, lines);
    expect(target).toEqual({ host: 'db1', alias: 'db1', hostName: 'db1', port: 22, user: 'root' });
  });
});
