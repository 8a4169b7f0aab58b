import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConfigError } from '../../../../src/transport/ssh/config/errors.js';
import { globPaths } from '../../../../src/transport/ssh/config/glob.js';
import { argvSplit, parseConfigLine, parseConfigText } from '../../../../src/transport/ssh/config/lines.js';
import { connectionHash, expandTilde, expandTokens } from '../../../../src/transport/ssh/config/tokens.js';

describe('ssh_config lines', () => {
  it('splits the keyword at blanks or one =, lower-cases it, keeps the raw rest', () => {
    // Given lines written in the ways ssh accepts; When parsed; Then:
    expect(parseConfigLine('  HostName=10.0.0.1', 'f', 3)).toMatchObject({ keyword: 'hostname', args: ['10.0.0.1'], line: 3 });
    expect(parseConfigLine('User = bob', 'f', 1)).toMatchObject({ keyword: 'user', args: ['bob'] });
    expect(parseConfigLine('ProxyCommand ssh -W "%h:%p" j # c', 'f', 1)?.rest).toBe('ssh -W "%h:%p" j # c');
    expect(parseConfigLine('# comment', 'f', 1)).toBeUndefined();
    expect(parseConfigLine('   ', 'f', 1)).toBeUndefined();
    expect(parseConfigLine('User', 'f', 1)?.error).toMatch(/no argument/);
    expect(parseConfigLine('IdentityFile "unclosed', 'f', 1)?.error).toBe('invalid quotes');
    expect(parseConfigText('Host a\n\n  User b\n', 'f').map((line) => line.line)).toEqual([1, 3]);
  });

  it('splits arguments with quotes, escapes, and # starting a comment word', () => {
    expect(argvSplit(`a "b c" 'd e' f\\ g h#i #j k`)).toEqual(['a', 'b c', 'd e', 'f g', 'h#i']);
    expect(argvSplit('"open')).toBeUndefined();
  });
});

describe('Include globs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-glob-'));
    for (const path of ['a/conf.d/1.conf', 'a/conf.d/2.conf', 'b/conf.d/1.conf', 'a/conf.d/.hidden.conf', 'c/x.txt']) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), '');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands wildcards in folders too, sorted, hidden files only on request', () => {
    // When patterns are expanded; Then:
    expect(globPaths(`${dir}/*/conf.d/*.conf`)).toEqual([`${dir}/a/conf.d/1.conf`, `${dir}/a/conf.d/2.conf`, `${dir}/b/conf.d/1.conf`]);
    expect(globPaths(`${dir}/a/conf.d/.*.conf`)).toEqual([`${dir}/a/conf.d/.hidden.conf`]);
    expect(globPaths(`${dir}/[ab]/conf.d/[!2].conf`)).toEqual([`${dir}/a/conf.d/1.conf`, `${dir}/b/conf.d/1.conf`]);
    expect(globPaths(`${dir}/c/x.txt`)).toEqual([`${dir}/c/x.txt`]);
    expect(globPaths(`${dir}/c/missing`)).toEqual([]);
    expect(globPaths(`${dir}/nothing/*`)).toEqual([]);
  });
});

describe('tokens', () => {
  it('expands %x and ${VAR} in one pass, refusing unknown tokens and unset variables', () => {
    const tokens = { h: 'web%r', r: 'bob' };
    // Then the values put in are not expanded again, %% is %
    expect(expandTokens('~/k/%h-%r-%%-${DIR}', tokens, { DIR: '/x/%h' })).toBe('~/k/web%r-bob-%-/x/%h');
    expect(() => expandTokens('%z', tokens)).toThrow(SshConfigError);
    expect(() => expandTokens('${NOPE}', tokens, {})).toThrow(/has no value/);
    expect(() => expandTokens('50%', tokens)).toThrow(/ends with %/);
    // And without tokens, % is plain text
    expect(expandTokens('50%', undefined)).toBe('50%');
  });

  it('expands ~ and ~user, and hashes %C as ssh does', () => {
    expect(expandTilde('~/.ssh/id', '/home/me')).toBe('/home/me/.ssh/id');
    expect(expandTilde('~', '/home/me')).toBe('/home/me');
    expect(expandTilde('~root/x', '/home/me')).toBe('/root/x');
    expect(() => expandTilde('~no-such-user-here/x', '/home/me')).toThrow(/no such user/);
    // %C = sha1(local host, host, port, user)
    expect(connectionHash('here', 'web', '22', 'bob')).toBe('c6e003b063b392bd08e07561a2a94067544d11df');
  });
});
