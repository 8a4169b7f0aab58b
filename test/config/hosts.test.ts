import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostName, isValidHost, normalizeHosts, parseHostFile, readHostFile } from '../../src/config/hosts.js';
import { UserError } from '../../src/errors.js';
import { makeTempDir } from '../helpers/cli.js';

describe('isValidHost', () => {
  it.each(['mw01', 'mw1001.eqiad.wmnet', 'db_1', '10.0.0.7', 'a', 'mw01:22', 'mw01:65535', 'mw-01:1'])('accepts %j', (host) => {
    // Given a name or name:port that needs no quoting / When checked / Then valid
    expect(isValidHost(host)).toBe(true);
  });

  it.each(['', 'mw 01', 'a;b', '-oProxyCommand=x', 'mw01-', '.mw01', 'mw01:0', 'mw01:65536', 'mw01:', 'mw01:22:1', '$(reboot)', 'user@mw01', '[::1]'])(
    'rejects %j',
    (host) => {
      // Given something that is not a plain host / When checked / Then invalid
      expect(isValidHost(host)).toBe(false);
    },
  );
});

describe('hostName', () => {
  it('drops the port', () => {
    // Given name and name:port / When reduced / Then the name
    expect(hostName('mw01:2222')).toBe('mw01');
    expect(hostName('mw01')).toBe('mw01');
  });
});

describe('parseHostFile', () => {
  it('ignores # comments, blank lines and surrounding spaces, and CRLF line ends', () => {
    // Given a host file written by hand
    const text = '# the fleet\n\nmw01\n   mw02   \nmw03:2222 # odd port\n# mw04 retired\n\t\nmw05\r\nmw06';
    // When parsed / Then only the hosts, in order
    expect(parseHostFile(text)).toEqual(['mw01', 'mw02', 'mw03:2222', 'mw05', 'mw06']);
  });

  it('gives nothing for a file of comments', () => {
    // Given only comments / When parsed / Then empty
    expect(parseHostFile('# none yet\n\n')).toEqual([]);
  });
});

describe('readHostFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('deploy-hosts-');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file relative to the base folder', async () => {
    // Given hosts.txt in dir / When read relative to dir / Then its hosts
    await writeFile(join(dir, 'hosts.txt'), 'mw01\nmw02\n');
    expect(readHostFile('targets', 'hosts.txt', dir)).toEqual(['mw01', 'mw02']);
  });

  it('names the key and the full path when the file cannot be read', () => {
    // Given no such file / When read / Then a UserError naming both
    let caught: unknown;
    try {
      readHostFile('canaries', 'missing.txt', dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message).toBe(`canaries: cannot read host file ${join(dir, 'missing.txt')}: ENOENT`);
  });
});

describe('normalizeHosts', () => {
  it('drops repeats, keeping the first place of each host', () => {
    // Given repeats / When normalized / Then each once, in first order
    expect(normalizeHosts('targets', ['mw03', 'mw01', 'mw03', 'mw02', 'mw01'])).toEqual(['mw03', 'mw01', 'mw02']);
  });

  it('names the key and the bad host', () => {
    // Given a host with a space / When normalized / Then a UserError naming key and host
    expect(() => normalizeHosts('no_restart_targets', ['mw01', 'mw 02'])).toThrow(
      new UserError('no_restart_targets: "mw 02" is not a host (expected name or name:port)'),
    );
    expect(() => normalizeHosts('no_restart_targets', ['mw01', 'mw 02'])).toThrow(UserError);
  });
});
