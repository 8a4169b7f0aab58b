import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  boolKind,
  concurrencyKind,
  enumKind,
  intKind,
  limitKind,
  localPathKind,
  proxyJumpKind,
  remotePathKind,
  secondsKind,
  stringKind,
  type Kind,
  type ValueSource,
} from '../../src/config/kinds.js';
import { hostsKind, listKind } from '../../src/config/list-kinds.js';
import { loadConfig } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { makeTempDir } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('deploy-kinds-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const source = (key = 'some_key', origin = 'from -D'): ValueSource => ({ key, baseDir: dir, origin });

/** The UserError `fn` throws, as "message (hint)". */
function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const user = error as UserError;
    return `${user.message}${user.hint ? ` (${user.hint})` : ''}`;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

const define = <T>(kind: Kind<T>, raw: string, key = 'some_key'): T => kind.fromDefine(raw, source(key));
const json = <T>(kind: Kind<T>, value: unknown, key = 'some_key'): T => kind.fromJson(value, source(key, 'in /x/scap.config.json'));

describe('intKind', () => {
  it('reads integers from JSON numbers and -D strings, at least its minimum', () => {
    // Given integers / When read / Then numbers
    expect(json(intKind(1), 22)).toBe(22);
    expect(define(intKind(1), '2222')).toBe(2222);
    expect(define(intKind(0), '0')).toBe(0);
    expect(define(intKind(0), ' 7 ')).toBe(7);
  });

  it('rejects strings in JSON, fractions, values below the minimum and non-numbers, naming the key and what was expected', () => {
    // Given wrong values / When read / Then each error names the key, the expectation and the origin
    for (const fn of [
      () => json(intKind(1), '22', 'ssh_port'),
      () => json(intKind(1), 1.5, 'ssh_port'),
      () => define(intKind(1), '0', 'ssh_port'),
      () => define(intKind(1), '', 'ssh_port'),
    ]) {
      const message = userErrorOf(fn);
      expect(message).toContain('ssh_port: expected an integer >= 1');
    }
    expect(userErrorOf(() => json(intKind(1), '22', 'ssh_port'))).toContain('in /x/scap.config.json');
  });

  it('shows a -D value that is not a number as it was typed', () => {
    // Given -D ssh_port:abc
    // When read
    const message = userErrorOf(() => define(intKind(1), 'abc', 'ssh_port'));
    // Then the message quotes what the user typed ("abc"), not a coerced NaN shown as null
    expect(message).toContain('ssh_port: expected an integer >= 1');
    expect(message).toContain('"abc"');
    expect(message).not.toContain('null');
  });
});

describe('secondsKind', () => {
  it('reads whole and fractional seconds, zero included', () => {
    // Given seconds / When read / Then numbers
    expect(define(secondsKind, '0')).toBe(0);
    expect(define(secondsKind, '1.5')).toBe(1.5);
    expect(json(secondsKind, 300)).toBe(300);
  });

  it('rejects negative and non-numeric values', () => {
    // Given bad values / When read / Then errors naming the key
    expect(userErrorOf(() => define(secondsKind, '-1', 'restart_timeout'))).toContain('restart_timeout: expected a number of seconds from 0 to 2147483');
    expect(userErrorOf(() => json(secondsKind, '30', 'restart_timeout'))).toContain('restart_timeout: expected a number of seconds');
    expect(userErrorOf(() => define(secondsKind, 'soon', 'restart_timeout'))).toContain('restart_timeout:');
  });
});

describe('boolKind', () => {
  it.each([
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['TRUE', true],
    ['on', true],
    [' On ', true],
    ['0', false],
    ['no', false],
    ['NO', false],
    ['False', false],
    ['off', false],
    ['OFF', false],
  ] as const)('reads -D %j as %s', (raw, expected) => {
    // Given a boolean word in any case / When read / Then its value
    expect(define(boolKind, raw)).toBe(expected);
  });

  it('reads JSON booleans and rejects JSON strings and numbers', () => {
    // Given JSON values / When read / Then only true/false are booleans
    expect(json(boolKind, true)).toBe(true);
    expect(json(boolKind, false)).toBe(false);
    expect(userErrorOf(() => json(boolKind, 'yes', 'always_restart'))).toContain('always_restart: expected a boolean');
    expect(userErrorOf(() => json(boolKind, 1, 'always_restart'))).toContain('always_restart: expected a boolean');
  });

  it('rejects other words, naming the accepted ones', () => {
    // Given -D always_restart:abc / When read / Then the accepted words are listed
    const message = userErrorOf(() => define(boolKind, 'abc', 'always_restart'));
    expect(message).toContain('always_restart: expected a boolean (true/false, yes/no, on/off, 1/0)');
    expect(message).toContain('"abc"');
    expect(userErrorOf(() => define(boolKind, '', 'always_restart'))).toContain('always_restart:');
    expect(userErrorOf(() => define(boolKind, 'y', 'always_restart'))).toContain('always_restart:');
  });
});

describe('concurrencyKind and limitKind', () => {
  it('read integers and percentages from JSON and -D', () => {
    // Given counts in both forms / When read / Then value and whether it is a percentage
    expect(json(concurrencyKind, 5)).toEqual({ value: 5, percent: false });
    expect(json(concurrencyKind, '10%')).toEqual({ value: 10, percent: true });
    expect(define(concurrencyKind, '10%')).toEqual({ value: 10, percent: true });
    expect(define(concurrencyKind, '12.5%')).toEqual({ value: 12.5, percent: true });
    expect(define(concurrencyKind, '100%')).toEqual({ value: 100, percent: true });
    expect(define(concurrencyKind, '3')).toEqual({ value: 3, percent: false });
    expect(define(limitKind, '0')).toEqual({ value: 0, percent: false });
    expect(json(limitKind, 0)).toEqual({ value: 0, percent: false });
    expect(define(limitKind, '5%')).toEqual({ value: 5, percent: true });
  });

  it.each([
    ['0', 'restart_concurrency'],
    ['0%', 'restart_concurrency'],
    ['150%', 'restart_concurrency'],
    ['-2', 'restart_concurrency'],
    ['2.5', 'restart_concurrency'],
    ['ten', 'restart_concurrency'],
    ['', 'restart_concurrency'],
  ])('rejects restart_concurrency %j', (raw, key) => {
    // Given a concurrency that is not a positive integer or a percentage in (0, 100]
    // When read / Then the key and the expected shape are named
    const message = userErrorOf(() => define(concurrencyKind, raw, key));
    expect(message).toContain(`${key}: expected an integer or a percentage like "10%" (at least 1)`);
  });

  it('rejects a JSON 0 for concurrency but accepts it for a failure limit', () => {
    // Given 0 in the file / When read / Then concurrency refuses it, the limit takes it
    expect(userErrorOf(() => json(concurrencyKind, 0, 'restart_concurrency'))).toContain('restart_concurrency:');
    expect(json(limitKind, 0)).toEqual({ value: 0, percent: false });
    expect(userErrorOf(() => json(limitKind, '150%', 'failure_limit'))).toContain('failure_limit: expected an integer or a percentage');
    expect(userErrorOf(() => json(limitKind, -1, 'failure_limit'))).toContain('failure_limit:');
  });
});

describe('stringKind and enumKind', () => {
  it('keep -D strings as typed, the empty string included', () => {
    // Given strings / When read / Then unchanged
    expect(define(stringKind, '')).toBe('');
    expect(define(stringKind, 'php7.4-fpm')).toBe('php7.4-fpm');
    expect(define(enumKind(['ssh', 'local']), 'local')).toBe('local');
  });

  it('reject non-strings and values outside the enum, listing them', () => {
    // Given wrong values / When read / Then named
    expect(userErrorOf(() => json(stringKind, 7, 'php_fpm'))).toContain('php_fpm: expected a string');
    expect(userErrorOf(() => define(enumKind(['ssh', 'local']), 'sftp', 'transport'))).toContain('transport: expected "ssh" or "local", got "sftp"');
  });
});

describe('proxyJumpKind', () => {
  it('takes jump lists and none, and refuses what ssh would not parse', () => {
    // Given ProxyJump values / When read / Then the valid ones pass, trimmed
    expect(define(proxyJumpKind, ' ops@bastion1:2201,bastion2 ')).toBe('ops@bastion1:2201,bastion2');
    expect(define(proxyJumpKind, '[10.0.0.3]:22,ssh://u@b')).toBe('[10.0.0.3]:22,ssh://u@b');
    expect(define(proxyJumpKind, 'none')).toBe('none');
    expect(userErrorOf(() => define(proxyJumpKind, 'a,,b', 'ssh_proxy_jump'))).toContain(
      'ssh_proxy_jump: expected [user@]host[:port], several comma-separated, or none',
    );
    expect(userErrorOf(() => define(proxyJumpKind, 'b1:port', 'ssh_proxy_jump'))).toContain('ssh_proxy_jump:');
    expect(userErrorOf(() => define(proxyJumpKind, 'two words', 'ssh_proxy_jump'))).toContain('ssh_proxy_jump:');
  });
});

describe('path kinds', () => {
  it('resolve a local path against the source folder and expand ~', () => {
    // Given relative, absolute and ~ paths / When read / Then absolute paths
    expect(define(localPathKind, 'stage')).toBe(join(dir, 'stage'));
    expect(define(localPathKind, '../x')).toBe(join(dir, '..', 'x'));
    expect(define(localPathKind, '/abs/olute')).toBe('/abs/olute');
    expect(define(localPathKind, '~/.ssh/id_rsa')).toBe(join(homedir(), '.ssh/id_rsa'));
    expect(userErrorOf(() => define(localPathKind, '', 'stage_dir'))).toContain('stage_dir: expected a path');
  });

  it('keep a remote path as written, and require it absolute', () => {
    // Given host paths / When read / Then absolute ones pass unchanged
    expect(define(remotePathKind, '/srv/mediawiki')).toBe('/srv/mediawiki');
    expect(userErrorOf(() => define(remotePathKind, 'srv/mediawiki', 'deploy_dir'))).toContain('deploy_dir: expected an absolute path on the hosts');
  });
});

describe('hostsKind', () => {
  it('reads a JSON array or a -D comma list', () => {
    // Given hosts in both forms / When read / Then lists
    expect(json(hostsKind, ['mw01', 'mw02:2222'])).toEqual(['mw01', 'mw02:2222']);
    expect(define(hostsKind, 'mw01,mw02:2222, mw03 ')).toEqual(['mw01', 'mw02:2222', 'mw03']);
    expect(define(hostsKind, '')).toEqual([]);
  });

  it('reads a host file: a JSON string or -D @file, relative to the source folder', async () => {
    // Given a host file with comments and blank lines
    await mkdir(join(dir, 'lists'));
    await writeFile(join(dir, 'lists/hosts.txt'), '# fleet\n\nmw01\n  mw02 # canary\n\n#mw03\n');
    // When read both ways / Then its hosts
    expect(json(hostsKind, 'lists/hosts.txt')).toEqual(['mw01', 'mw02']);
    expect(define(hostsKind, '@lists/hosts.txt')).toEqual(['mw01', 'mw02']);
  });

  it('rejects other JSON types and bad hosts, naming the key', () => {
    // Given wrong values / When read / Then named
    expect(userErrorOf(() => json(hostsKind, 3, 'targets'))).toContain('targets: expected a list of hosts or the path of a host file');
    expect(userErrorOf(() => json(hostsKind, ['mw01', 4], 'targets'))).toContain('targets:');
    expect(userErrorOf(() => define(hostsKind, 'mw 01', 'targets'))).toContain('targets: "mw 01" is not a host');
    expect(userErrorOf(() => define(hostsKind, '@nope.txt', 'targets'))).toContain(`targets: cannot read host file ${join(dir, 'nope.txt')}`);
  });
});

describe('listKind', () => {
  const commands = listKind('shell commands');

  it('reads -D as one item, a JSON array, or nothing', () => {
    // Given the three -D forms / When read / Then lists
    expect(define(commands, 'curl -sf http://localhost:9181/ping')).toEqual(['curl -sf http://localhost:9181/ping']);
    expect(define(commands, '["a", "b c"]')).toEqual(['a', 'b c']);
    expect(define(commands, '')).toEqual([]);
  });

  it('rejects a JSON string, an empty command and a broken -D array', () => {
    // Given wrong values / When read / Then the key and "a list of shell commands" are named
    expect(userErrorOf(() => json(commands, 'true', 'canary_checks'))).toContain('canary_checks: expected a list of shell commands');
    expect(userErrorOf(() => json(commands, [''], 'canary_checks'))).toContain('canary_checks: expected a list of shell commands');
    expect(userErrorOf(() => define(commands, '["a",', 'canary_checks'))).toContain('canary_checks: expected a list of shell commands');
  });
});

describe('statsd_host', () => {
  it('takes host or host:port or empty, and names anything else as a usage error', () => {
    const load = (value: string) => loadConfig({ defines: ['targets:a', `statsd_host:${value}`], systemConfigPath: '/nonexistent' }).config.statsd_host;
    // Given good addresses / Then they load as given
    expect(load('127.0.0.1:8125')).toBe('127.0.0.1:8125');
    expect(load('statsd')).toBe('statsd');
    expect(load('')).toBe('');
    // Given bad ones / Then the key and what was expected are named
    expect(() => load('a b:x')).toThrow(/statsd_host: expected host or host:port/);
    expect(() => load('host:port')).toThrow(/statsd_host/);
  });
});
